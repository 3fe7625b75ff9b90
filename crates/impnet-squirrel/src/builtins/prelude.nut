// Array methods that call back into script code. Written in Squirrel so that a callback can
// suspend the VM like any other call. Returned as a table; the VM copies it into the array
// methods.
local mkarray = array;
return {
    map = function(f) {
        local r = mkarray(0);
        foreach (v in this) r.push(f(v));
        return r;
    },
    apply = function(f) {
        foreach (i, v in this) this[i] = f(v);
        return this;
    },
    filter = function(f) {
        local r = mkarray(0);
        foreach (i, v in this) if (f(i, v)) r.push(v);
        return r;
    },
    reduce = function(f) {
        local n = this.len();
        if (n == 0) return null;
        local acc = this[0];
        for (local i = 1; i < n; i++) acc = f(acc, this[i]);
        return acc;
    },
    // A bottom-up merge sort: stable, O(n log n), with `<=>` or the given comparator.
    sort = function(cmp = null) {
        local n = this.len();
        if (n < 2) return this;
        local a = this;
        local tmp = mkarray(n);
        for (local width = 1; width < n; width *= 2) {
            for (local lo = 0; lo < n; lo += 2 * width) {
                local mid = lo + width < n ? lo + width : n;
                local hi = lo + 2 * width < n ? lo + 2 * width : n;
                local i = lo, j = mid, k = lo;
                while (i < mid && j < hi) {
                    local c = cmp ? cmp(a[i], a[j]) : (a[i] <=> a[j]);
                    if (c <= 0) tmp[k++] = a[i++];
                    else tmp[k++] = a[j++];
                }
                while (i < mid) tmp[k++] = a[i++];
                while (j < hi) tmp[k++] = a[j++];
            }
            for (local x = 0; x < n; x++) a[x] = tmp[x];
        }
        return this;
    }
}
