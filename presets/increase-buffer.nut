// Squirrel twin of increase-buffer.toml (troubleshooting guide; SPEC §12, §14; B1, B3, S1, S3).
// An 8000-byte message under the default buffer blocks while ACKs free space; the guide's
// increaseBuffer() grows the buffer to the data's size, which is still a little short of the
// message's wire size; 8192 bytes leave room for it.

// The guide's increaseBuffer(), given the size (its log line left out: the step list makes
// no such call).
function increaseBuffer(newSize) {
    local oldSize = 0;
    if (newSize > 3456) oldSize = imp.setsendbuffersize(newSize);
    return oldSize;
}

local data = blob(7995);   // an 8000-byte payload (§14: blob 5 + length)

agent.send("data", data);
server.flush(10);
increaseBuffer(8000);
agent.send("data", data);
server.flush(10);
increaseBuffer(8192);
agent.send("data", data);
