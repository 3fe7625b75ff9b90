#!/usr/bin/env bash
# Device code speed (issue #9 item 6), numbers to docs/device-code.md by hand:
#  1. 100 000 `agent.send` calls from a Squirrel loop vs the same calls as a step list (twins:
#     their summaries must be equal), `impnet run --summary-only`, with hyperfine;
#  2. peak RSS (/usr/bin/time -v) of 100 000 and 1 000 000 calls from Squirrel, summary only:
#     it must stay flat;
#  3. VM instructions per CPU second on loop-heavy programs (examples/ips.rs).
# Needs hyperfine and GNU time (apt-get install hyperfine time).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

cargo build --profile native -p impnet
cargo build --profile native -p impnet-squirrel --example ips
BIN="$ROOT/target/native/impnet"
DIR="$ROOT/target/bench-device"
mkdir -p "$DIR"

# A 16-byte payload either way: the step's `bytes`, or the string "0123456789a" (5 + 11, §14).
for n in 100000 1000000; do
    printf '[[steps]]\ncall = "agent.send"\nname = "d"\nbytes = 16\nrepeat = %d\n' "$n" > "$DIR/steps-$n.toml"
    printf 'for (local i = 0; i < %d; i++) agent.send("d", "0123456789a");\n' "$n" > "$DIR/sends-$n.nut"
    # One task may not run 10 000 000 instructions (the §14 watchdog): a long run sends in
    # tasks of 1 000, each scheduling the next with imp.wakeup(0, ...).
    printf 'local left = %d;\nfunction batch() {\n  for (local i = 0; i < 1000; i++) agent.send("d", "0123456789a");\n  left -= 1000;\n  if (left > 0) imp.wakeup(0, batch);\n}\nbatch();\n' "$n" > "$DIR/batched-$n.nut"
done

say "the twins agree (summary of 100 000 sends)"
"$BIN" run --summary-only --json "$DIR/steps-100000.toml" > "$DIR/steps.summary"
"$BIN" run --summary-only --json "$DIR/sends-100000.nut" > "$DIR/sends.summary"
diff "$DIR/steps.summary" "$DIR/sends.summary" && echo "equal"

say "100 000 agent.send: step list vs Squirrel"
hyperfine -N --warmup 2 --runs "${RUNS:-20}" \
    -n "step list" "$BIN run --summary-only $DIR/steps-100000.toml" \
    -n "squirrel" "$BIN run --summary-only $DIR/sends-100000.nut"

# hyperfine runs all of one command, then all of the other: on a shared machine the load drifts
# between the two. Pairs run one after the other cancel the drift.
say "100 000 agent.send, ${PAIRS:-150} interleaved pairs (wall and CPU of each process)"
python3 - "$BIN" "$DIR" "${PAIRS:-150}" <<'PY'
import resource, statistics as st, subprocess, sys, time
bin_, dir_, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3])
runs = {"step list": f"{dir_}/steps-100000.toml", "squirrel": f"{dir_}/sends-100000.nut"}
wall, cpu = {k: [] for k in runs}, {k: [] for k in runs}
for _ in range(pairs):
    for name, f in runs.items():
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run([bin_, "run", "--summary-only", f], stdout=subprocess.DEVNULL, check=True)
        t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        wall[name].append(t1 - t0)
        cpu[name].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
for name in runs:
    print(f"{name:10} wall median {st.median(wall[name]) * 1e3:6.1f} ms, min {min(wall[name]) * 1e3:6.1f} ms; CPU mean {st.mean(cpu[name]) * 1e3:6.1f} ms")
a, b = "step list", "squirrel"
print(f"squirrel / step list: wall median {st.median(wall[b]) / st.median(wall[a]):.2f}x, "
      f"min {min(wall[b]) / min(wall[a]):.2f}x, CPU {st.mean(cpu[b]) / st.mean(cpu[a]):.2f}x")
PY

say "peak RSS, summary only"
for f in steps-100000.toml batched-100000.nut steps-1000000.toml batched-1000000.nut; do
    /usr/bin/time -v "$BIN" run --summary-only "$DIR/$f" 2> "$DIR/time.txt" > /dev/null
    printf '%-22s %8s KiB max RSS, %s s wall\n' "$f" \
        "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/time.txt")" \
        "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$DIR/time.txt")"
done
"$BIN" run --summary-only --json "$DIR/batched-1000000.nut"

say "VM instructions per CPU second"
"$ROOT/target/native/examples/ips"
