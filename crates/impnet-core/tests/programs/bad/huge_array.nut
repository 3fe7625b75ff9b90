// A 100-million-element array passes the 64 MiB heap limit: a runtime error (SPEC §14).
local a = array(100000000, 0);
server.log(a.len());
