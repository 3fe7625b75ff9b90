#!/usr/bin/env bash
# `impnet check` sweep speed (issue #12): 100 combinations (10 RTTs × 10 loss rates) of a
# sensor sending a 4 KB reading every 10 s for an hour through a WiFi outage (the worked
# example of docs/check.md, 360 readings instead of 30), on one thread and on all cores.
# Needs hyperfine (apt-get install hyperfine). Prints hyperfine's table; numbers go to
# docs/check.md by hand.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

cargo build --profile native -p impnet
BIN="$ROOT/target/native/impnet"
SCENARIO="$ROOT/target/bench-check-sensor-hour.toml"

# The example's header and expectations, with its 30 readings made 360.
{
    sed -n '1,/^\[\[steps\]\]/p' docs/examples/sensor.toml | sed '$d'
    printf '[[steps]]\ncall = "server.setsendtimeoutpolicy"\nreconnect = "RETURN_ON_ERROR"\nwait = "WAIT_TIL_SENT"\ntimeout = 2\n\n'
    for _ in $(seq 360); do
        printf '[[steps]]\ncall = "agent.send"\nname = "reading"\nbytes = 4096\non_ret = { "1" = "retry" }\nretry_after_s = 5\n\n'
        printf '[[steps]]\ncall = "imp.wakeup"\nseconds = 10\n\n'
    done
    sed -n "/^# ConnectionManager's habit/,\$p" docs/examples/sensor.toml
} > "$SCENARIO"

RTT=50,150,250,350,450,550,650,750,850,950
LOSS=0,0.01,0.02,0.03,0.05,0.07,0.1,0.13,0.16,0.2
ARGS="check $SCENARIO --sweep network.rtt_ms=$RTT --sweep network.loss=$LOSS"
"$BIN" $ARGS --json > "$ROOT/target/bench-check.json" || true
head -c 60 "$ROOT/target/bench-check.json"; echo
hyperfine -N -i --warmup 2 --runs "${RUNS:-15}" \
    -n "1 thread" "env RAYON_NUM_THREADS=1 $BIN $ARGS" \
    -n "all cores ($(nproc))" "$BIN $ARGS"
