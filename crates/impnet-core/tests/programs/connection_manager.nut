// A connection-manager class in the style of Electric Imp's ConnectionManager: RETURN_ON_ERROR,
// callbacks bound to the instance with bindenv, and a log queue that fills while the device
// is offline and is flushed when it reconnects. A reading every 5 s.
server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_TIL_SENT, 10);

class Connection {
    _connected = false;
    _queue = null;       // per instance: set in the constructor (a default [] would be shared)
    _onConnect = null;
    _retry = 5;

    constructor(onConnect) {
        _queue = [];
        _onConnect = onConnect;
        _connected = server.isconnected();
        server.onunexpecteddisconnect(_disconnected.bindenv(this));
    }

    function log(text) {
        if (!_connected) {
            _queue.push(text);
            return;
        }
        if (server.log(text) != 0) _queue.push(text);
    }

    function send(name, value) {
        if (!_connected) return SEND_ERROR_NOT_CONNECTED;
        local outcome = agent.send(name, value);   // blocks deep inside a method
        if (outcome != 0) log(name + " failed with " + outcome);
        return outcome;
    }

    function _disconnected(reason) {
        _connected = false;
        _queue.push("disconnected, reason " + reason);
        server.connect(_connectedCallback.bindenv(this), 30);
    }

    function _connectedCallback(reason) {
        if (reason != SERVER_CONNECTED) {
            imp.wakeup(_retry, function() {
                server.connect(_connectedCallback.bindenv(this), 30);
            }.bindenv(this));
            return;
        }
        _connected = true;
        // Flush what queued up while offline, oldest first.
        while (_queue.len() > 0) server.log(_queue.remove(0));
        if (_onConnect) _onConnect();
    }
}

local readings = 0;
local cm = Connection(function() { server.log("back online"); });

function takeReading() {
    readings++;
    cm.send("reading", { n = readings, temp = 21.5 + readings % 3 });
    if (readings < 40) imp.wakeup(5, takeReading);
}

takeReading();
