// Squirrel twin of agent-stops-reading.toml (SPEC §12, §14; T5, S3): the same calls.
// The agent reads nothing: once the server's 8192-byte window is full the sends block, until
// the 10 s timeout drops the connection.
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);

// §14: a blob weighs 5 + its length on the wire, so this reading is a 1000-byte payload.
local reading = blob(995);
for (local i = 0; i < 14; i++) {
    agent.send("data", reading);
}
