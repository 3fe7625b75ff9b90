// A promise-style then-chain over imp.wakeup(0, ...), in the manner of Electric Imp's Promise
// library: each step runs in its own task, its value passed on to the next.
class Deferred {
    _handlers = null;   // per instance: set in the constructor
    _value = null;
    _done = false;

    constructor(action = null) {
        _handlers = [];
        if (action) {
            // Resolve asynchronously, as Promise does.
            imp.wakeup(0, function() { action(_resolve.bindenv(this)); }.bindenv(this));
        }
    }

    function then(fn) {
        local next = Deferred();
        local settle = function(v) { next._resolve(fn(v)); };
        if (_done) {
            _later(settle, _value);
        } else {
            _handlers.push(settle);
        }
        return next;
    }

    function _resolve(v) {
        _value = v;
        _done = true;
        foreach (h in _handlers) _later(h, v);
        _handlers = [];
    }

    // One closure per call: the foreach variable above is a single slot.
    function _later(h, v) {
        imp.wakeup(0, @() h(v));
    }
}

server.setsendtimeoutpolicy(RETURN_ON_ERROR, WAIT_FOR_ACK, 10);

Deferred(function(resolve) { resolve(1); })
    .then(function(n) { agent.send("step", n); return n + 1; })
    .then(function(n) { agent.send("step", n); return n * 10; })
    .then(function(n) { server.log("chain ended with " + n); return n; });
