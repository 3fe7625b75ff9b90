local n = 0;
local fs = [];
foreach (i, v in [1, 2, 3]) fs.push(@() n += v * i);
fs.apply(@(f) f());
local t = { a = 1, "b": 2, [3] = 4, function f(x = 2, ...) { return x + vargv.len(); } };
try { t.missing; } catch (e) { n += e.len(); }
switch (n % 3) { case 0: n++; case 1: n--; break; default: n = 0; }
const C = 5; enum E { A, B = 7, C }
return format("%d %s %x %.2f", n, "s", E.C, C / 2.0) + split("a,b", ",").len();
