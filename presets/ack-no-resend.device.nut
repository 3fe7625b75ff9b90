// The same readings and the same agent as ack-resend, without the resend (SPEC §15): every
// reading goes once. Through the same WiFi outage, exactly the readings that were never ACKed
// are lost; the device lists them at the end.
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);

const PERIOD = 5;        // seconds between readings
const READINGS = 24;

pending <- {};           // id -> value: sent, not ACKed yet
taken <- 0;

agent.on("ack", function(id) {
    if (id in pending) delete pending[id];
});

function report() {
    local ids = [];
    foreach (id, v in pending) ids.append(id);
    ids.sort();
    local text = "";
    foreach (i, id in ids) text += (i > 0 ? "," : "") + id;
    server.log("not ACKed: " + text);
}

function loop() {
    local id = taken++;
    pending[id] <- 20 + id % 7;
    agent.send("reading", { id = id, value = pending[id] });
    if (taken < READINGS) {
        imp.wakeup(PERIOD, loop);
    } else {
        // Time for the last ACK to come back, then say what is missing.
        imp.wakeup(3 * PERIOD, report);
    }
}

function reconnect(reason = 0) {
    if (reason != SERVER_CONNECTED) server.connect(function(r) { if (r != SERVER_CONNECTED) imp.wakeup(10, reconnect); }, 30);
}
server.onunexpecteddisconnect(reconnect);

loop();
