// Squirrel twin of udp-validation-failures.toml (udpsocket.send page; SPEC §12, §14; U1-U4).
// Each throw is caught so the program goes on, as the step list does; the trace shows the
// error on the call's line. The step list's first step (a send before any socket exists)
// has no Squirrel form: there is no socket object to call it on.
local socket = imp.net.open().openudp(null, 20001);

function attempt(address, port, data) {
    try {
        socket.send(address, port, data);
    } catch (e) {
        // The trace line already carries the error.
    }
}

attempt("8.8.8.8", 5000, blob(10));        // U1: not a private address
attempt("192.168.1.256", 5000, blob(10));  // U1: octet over 255
attempt("192.168.1.20", 67, blob(10));     // U2: DHCP port
attempt("192.168.1.20", 70000, blob(10));  // U2: over 65535
attempt("192.168.1.20", 5000, blob(70000)); // U4: over 65507 bytes
attempt("192.168.1.20", 5000, blob(10));   // sent
socket.close();
attempt("192.168.1.20", 5000, blob(10));   // U3: closed
socket.close();                            // harmless
