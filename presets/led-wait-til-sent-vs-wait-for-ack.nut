// Squirrel twin of led-wait-til-sent-vs-wait-for-ack.toml (setsendtimeoutpolicy page;
// SPEC §12, §14; S1, S3, S4). The docs' loop logs a 4 KB string and toggles an LED; the LED is
// left out (impnet models no pins). Compare the blocked_ms of the two loops.

// A string of n bytes (§14: server.log sends the bytes of tostring()).
function text(n) {
    local s = "x";
    while (s.len() * 2 <= n) s += s;
    return s + s.slice(0, n - s.len());
}

local message = text(4096);

server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);
for (local i = 0; i < 10; i++) server.log(message);
server.flush(10);

server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_FOR_ACK, 10);
for (local i = 0; i < 10; i++) server.log(message);
