local b = blob(4);
b.writen(0x1234, 'w'); b.writen(1.5, 'f'); b.seek(0);
local s = "";
while (!b.eos()) s += b.readn('b').tochar();
local a = array(10, 0).map(@(x) math.rand() % 10);
a.sort(@(x, y) x <=> y);
return [s.len(), a.reduce(@(p, q) p + q), strip("  x "), "abc".slice(1), 0x7fffffff + 1, -7 / 2, 7 >>> 1];
