// Readings with ids; the agent ACKs each one; a reading not ACKed within RESEND_TICKS periods
// is sent again (SPEC §15). Through a WiFi outage nothing is lost: readings sent into the
// outage, and ACKs the agent sent while the device was away, are made good by a resend.
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);

const PERIOD = 5;        // seconds between readings
const READINGS = 24;
const RESEND_TICKS = 3;  // resend what is not ACKed 3 periods (15 s) after its last send

pending <- {};           // id -> { value, tick }: sent, not ACKed yet
tick <- 0;
taken <- 0;

agent.on("ack", function(id) {
    if (id in pending) delete pending[id];
});

function send(id) {
    pending[id].tick = tick;
    // A send that fails (not connected, timeout) leaves the reading pending: it goes again.
    agent.send("reading", { id = id, value = pending[id].value });
}

function loop() {
    tick++;
    if (taken < READINGS) {
        local id = taken++;
        pending[id] <- { value = 20 + id % 7, tick = tick };
        send(id);
    }
    foreach (id, r in pending) {
        if (tick - r.tick >= RESEND_TICKS) send(id);
    }
    if (taken < READINGS || pending.len() > 0) {
        imp.wakeup(PERIOD, loop);
    } else {
        server.log("all " + READINGS + " readings ACKed");
    }
}

// Past the grace period impOS gives up reconnecting on its own: connect again.
function reconnect(reason = 0) {
    if (reason != SERVER_CONNECTED) server.connect(function(r) { if (r != SERVER_CONNECTED) imp.wakeup(10, reconnect); }, 30);
}
server.onunexpecteddisconnect(reconnect);

loop();
