// A string doubled in a loop: a runtime error (SPEC §14) -- the watchdog, as its copies are
// charged as work (issue 13); without a watchdog, the 64 MiB heap limit.
local s = "x";
while (true) s += s;
