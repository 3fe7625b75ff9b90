// A 64 KB blob streamed to the agent in 4 KB chunks under RETURN_ON_ERROR_NO_DISCONNECT: a
// chunk that does not fit comes back with SEND_ERROR_WOULDBLOCK and re-queues the stream.
imp.setsendbuffersize(16384);
server.setsendtimeoutpolicy(RETURN_ON_ERROR_NO_DISCONNECT, WAIT_TIL_SENT, 1);

class Streamer {
    _data = null;
    _chunk = null;
    _size = 4096;
    _blocked = 0;

    constructor(data) { _data = data; _data.seek(0); }

    function pump() {
        while (true) {
            if (_chunk == null) {
                if (_data.tell() >= _data.len()) return done();
                _chunk = _data.readblob(_size);
            }
            if (agent.send("chunk", _chunk) == SEND_ERROR_WOULDBLOCK) {
                _blocked++;
                // Not imp.wakeup(0): Squirrel runs in zero virtual time (§14), so polling
                // with 0 would retry at the same instant forever; 10 ms lets ACKs arrive.
                imp.wakeup(0.01, pump.bindenv(this));
                return;
            }
            _chunk = null;
        }
    }

    function done() {
        server.log(format("sent %d bytes, blocked %d times", _data.len(), _blocked));
    }
}

local image = blob(65536);
for (local i = 0; i < 65536; i += 4) image.writen(i, 'i');
Streamer(image).pump();
