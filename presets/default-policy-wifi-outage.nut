// Squirrel twin of default-policy-wifi-outage.toml (SPEC §12, §14; L1, S7, L4).
// No setsendtimeoutpolicy: SUSPEND_ON_ERROR / WAIT_TIL_SENT / 30. A reading every 10 s; the
// second finds WiFi gone, Squirrel halts, the imp deep-sleeps and this program starts again
// from the top when it wakes.
local reading = blob(195);   // a 200-byte payload (§14: blob 5 + length)

agent.send("reading", reading);
imp.wakeup(10, function() {
    agent.send("reading", reading);
    imp.wakeup(10, function() {
        agent.send("reading", reading);
    });
});
