// A string doubled in a loop passes the 64 MiB heap limit: a runtime error (SPEC §14).
local s = "x";
while (true) s += s;
