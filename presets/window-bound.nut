// Squirrel twin of window-bound.toml (setsendbuffersize page; SPEC §12, §14; T2, T3).
// 300 KB in 1 KB messages: goodput lands just under 3456 B per 100 ms round trip.
local reading = blob(995);   // a 1000-byte payload (§14: blob 5 + length)
for (local i = 0; i < 300; i++) agent.send("data", reading);
