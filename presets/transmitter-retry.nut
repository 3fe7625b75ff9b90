// Squirrel twin of transmitter-retry.toml (troubleshooting guide; SPEC §12, §14; S9, C5, C1).
// The guide's transmitter(): RETURN_ON_ERROR, and a send that fails is tried again in 600 s.
// (The guide's version also asks server.isconnected() first; the step list does not, so
// neither does its twin: see tests/programs/transmitter_outage.nut for the whole pattern.)
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);

const RETRY_TIME = 600;
local dataToSend = blob(1995);   // a 2000-byte payload (§14: blob 5 + length)

function transmitter() {
    if (dataToSend == null) return;
    local outcome = agent.send("message", dataToSend);
    if (outcome == 0) {
        dataToSend = null;
    } else {
        imp.wakeup(RETRY_TIME, transmitter);
    }
}

// After the grace period impOS gives up: connect again. No callback, like the step list.
server.onunexpecteddisconnect(function(reason) {
    server.connect(null, 60);
});

imp.wakeup(10, transmitter);
