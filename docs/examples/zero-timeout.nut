// The documented trap (S5): a burst of logs with a zero send timeout fills the
// 3 456-byte buffer, and the send that does not fit drops the connection.
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 0);

local pad = "";
while (pad.len() < 180) pad += ".";

class Logger {
    sent = 0;
    function burst(n) {
        for (local i = 0; i < n; i++) {
            local r = server.log(format("reading %02d %s", i, pad));
            if (r != 0) return r;          // 2: SEND_ERROR_TIMEOUT, and we are offline
            sent++;
        }
        return 0;
    }
}

local logger = Logger();
if (logger.burst(40) != 0) {
    // RETURN_ON_ERROR: reconnect ourselves, then say how far we got.
    imp.wakeup(5, function() {
        server.connect(function(reason) {
            server.log("reconnected (" + reason + ") after " + logger.sent + " logs");
        }, 30);
    });
}
