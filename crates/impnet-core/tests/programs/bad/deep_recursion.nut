// Call depth over 200 is a runtime error, not a crash (SPEC §14).
function down(n) { return down(n + 1) + 1; }
down(0);
