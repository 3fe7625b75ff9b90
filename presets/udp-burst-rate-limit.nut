// Squirrel twin of udp-burst-rate-limit.toml (udpsocket.send page; SPEC §12, §14; U5).
// 150 datagrams at once: 100 go, 50 return SEND_ERROR_WOULDBLOCK; a second later 25 tokens
// are back.
local socket = imp.net.open().openudp();
local datagram = blob(100);   // UDP data weighs its length (§14)

for (local i = 0; i < 150; i++) socket.send("192.168.1.20", 5000, datagram);

imp.wakeup(1, function() {
    for (local i = 0; i < 30; i++) socket.send("192.168.1.20", 5000, datagram);
});
