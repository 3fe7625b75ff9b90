// Squirrel twin of nonblocking-streamer.toml (Electric Imp's file-sender sample; SPEC §12,
// §14; S2, B1). NO_DISCONNECT: a chunk that does not fit returns SEND_ERROR_WOULDBLOCK at
// once and is sent again 10 ms later; Squirrel never blocks.
imp.setsendbuffersize(16384);
server.setsendtimeoutpolicy(RETURN_ON_ERROR_NO_DISCONNECT, WAIT_TIL_SENT, 1);

// 16 chunks whose payloads weigh 4096 bytes each (§14: blob 5 + length).
const CHUNK = 4091;
local file = blob(16 * CHUNK);
local pending = null;

function stream() {
    while (true) {
        if (pending == null) {
            if (file.tell() >= file.len()) return;
            pending = file.readblob(CHUNK);
        }
        if (agent.send("data", pending) == SEND_ERROR_WOULDBLOCK) {
            // The step list's retry pause: max(retry_after_s, 0.01 s) (§13).
            imp.wakeup(0.01, stream);
            return;
        }
        pending = null;
    }
}

stream();
