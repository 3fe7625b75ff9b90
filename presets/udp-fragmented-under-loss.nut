// Squirrel twin of udp-fragmented-under-loss.toml (udpsocket.send page; SPEC §12, §14; U7).
// 1400-byte datagrams travel as one packet, 14 000-byte ones as ten: under 5 % loss the
// large ones arrive about 60 % of the time.
local socket = imp.net.open().openudp();
local small = blob(1400);
local large = blob(14000);

for (local i = 0; i < 40; i++) socket.send("10.0.0.2", 9000, small);
for (local i = 0; i < 40; i++) socket.send("10.0.0.2", 9000, large);
