// The agent's half: every reading is stored once (a resend may bring one again) and ACKed
// with its id (SPEC §15: device.send travels down to the device's agent.on("ack", ...)).
readings <- {};

device.on("reading", function(r) {
    if (r.id in readings) {
        server.log("reading " + r.id + " again");
    } else {
        readings[r.id] <- r.value;
        server.log("reading " + r.id + " = " + r.value);
    }
    device.send("ack", r.id);
});
