// The watchdog stops a task that never returns (SPEC §14: 10 000 000 instructions).
local n = 0;
while (true) n++;
