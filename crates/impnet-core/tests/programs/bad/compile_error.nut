local a = 1;
function broken( {
    return a;
}
