// An uncaught error deep in a method: squirrel_error, then impOS restarts Squirrel after
// squirrel.error_restart_ms with hardware.wakereason() 5; nv keeps the count across it.
if (!("nv" in getroottable())) ::nv <- {};
if (!("boots" in nv)) nv.boots <- 0;
nv.boots++;

class Sensor {
    _readings = null;
    constructor() { _readings = {}; }
    function read(key) { return _readings[key]; }   // the index does not exist
}

server.log("boot " + nv.boots + ", wakereason " + hardware.wakereason());
if (nv.boots < 3) {
    Sensor().read("temperature");
}
server.log("no error this time");
