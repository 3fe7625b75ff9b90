// Squirrel twin of zero-timeout-trap.toml (setsendtimeoutpolicy page; SPEC §12, §14; S5, S3,
// S8). "If you set a timeout of zero and then send lots of short messages -- for example, 20
// server log entries in a row -- then the imp's buffers will fill and it will disconnect."
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 0);

local entry = "";
while (entry.len() < 200) entry += "0123456789";   // 200 bytes (§14: tostring()'s bytes)

for (local i = 0; i < 20; i++) server.log(entry);
