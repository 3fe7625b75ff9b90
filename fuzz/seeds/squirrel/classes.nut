class Base { v = 1; list = []; constructor(x) { v = x; } function get() { return v; } }
class Derived extends Base { static K = 3; function get() { return base.get() * K; } }
local d = Derived(2);
d.list.push(wait(d.get()));
keep(function(r) { return d.get() + r; }.bindenv(this));
return d instanceof Base;
