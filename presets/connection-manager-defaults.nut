// Squirrel twin of connection-manager-defaults.toml (SPEC §12, §14; S3, C5, C1, S8).
// ConnectionManager's defaults: RETURN_ON_ERROR / WAIT_TIL_SENT / 1 s and an 8096-byte buffer;
// stayConnected reconnects as soon as the connection is lost, and a reading that finds the
// device offline (SEND_ERROR_NOT_CONNECTED) is retried a second later.
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 1);
imp.setsendbuffersize(8096);

// stayConnected. No callback: the step list registers no [[on_connect]] either.
server.onunexpecteddisconnect(function(reason) {
    server.connect(null, 60);
});

local reading = blob(3995);   // a 4000-byte payload (§14: blob 5 + length)
local sent = 0;

function sendReadings() {
    while (sent < 20) {
        if (agent.send("reading", reading) == SEND_ERROR_NOT_CONNECTED) {
            imp.wakeup(1, sendReadings);
            return;
        }
        sent++;
    }
    imp.wakeup(0.5, function() {});
}

sendReadings();
