//! Scan (prefix) loops along one axis of an array viewed as `[outer, len, inner]`.

/// Inclusive prefix combination along the middle axis: `out[o, j, i] = f(out[o, j-1, i],
/// x[o, j, i])` with `out[o, 0, i] = x[o, 0, i]`; when `reverse`, the scan runs from the last
/// position to the first. The inner loop runs over contiguous `inner`-length rows, so it
/// vectorises when the scanned axis is not the last.
pub fn scan_axis<T: Copy>(
    x: &[T],
    outer: usize,
    len: usize,
    inner: usize,
    reverse: bool,
    f: impl Fn(T, T) -> T,
) -> Vec<T> {
    let mut out = x.to_vec();
    if len < 2 || inner == 0 {
        return out;
    }
    for block in out.chunks_exact_mut(len * inner).take(outer) {
        for step in 1..len {
            let (prev, cur) = if reverse {
                (len - step, len - step - 1)
            } else {
                (step - 1, step)
            };
            let (lo, hi) = block.split_at_mut(prev.max(cur) * inner);
            let (p, c) = if reverse {
                (&hi[..inner], &mut lo[cur * inner..cur * inner + inner])
            } else {
                (&lo[prev * inner..prev * inner + inner], &mut hi[..inner])
            };
            for (c, &p) in c.iter_mut().zip(p) {
                *c = f(p, *c);
            }
        }
    }
    out
}
