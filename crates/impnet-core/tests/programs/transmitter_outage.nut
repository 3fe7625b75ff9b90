// The troubleshooting guide's transmitter() as published (RETURN_ON_ERROR; check the
// connection, send, reschedule on failure, reconnect with server.connect and come back to
// transmitter() from its callback), through a WiFi outage.
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);

local retryTime = 60;
local dataToSend = null;

function transmitter() {
    if (dataToSend == null) return;
    if (server.isconnected()) {
        local outcome = agent.send("message", dataToSend);
        if (outcome == 0) {
            dataToSend = null;
        } else {
            imp.wakeup(retryTime, transmitter);
        }
    } else {
        server.connect(function(reason) {
            if (reason == SERVER_CONNECTED) {
                transmitter();
            } else {
                imp.wakeup(retryTime, transmitter);
            }
        }, 30);
    }
}

function measure() {
    dataToSend = { t = time(), reading = hardware.millis() % 1000 };
    transmitter();
    imp.wakeup(30, measure);
}

imp.wakeup(5, measure);
