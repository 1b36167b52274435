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

/// The block length of XLA's CPU rewrite of cumulative sums and products
/// (`ReduceWindowRewriter`'s base length): a scan longer than this is computed as scans of
/// 16-element blocks plus a scan of the block totals.
const XLA_SCAN_BLOCK: usize = 16;

/// Inclusive prefix combination along the middle axis of `[outer, len, inner]`, associated
/// exactly as XLA's CPU backend associates `cumsum`/`cumprod` (a `reduce_window` from the
/// identity `init`, rewritten into 16-element blocks for long axes), so that with `f` rounding
/// to the element type at every step the results equal JAX's bit for bit.
///
/// Forward, a line of length `n <= 16` is folded left to right from `init`. A longer line is
/// cut into 16-element blocks (the last one short), each block is scanned that way, the block
/// totals are scanned recursively, and every element of block `b > 0` is combined with the
/// scanned total of block `b - 1`. Reverse, every output folds its suffix left to right (each
/// output is its own window) within a block, and block `b` combines with the scanned total of
/// block `b + 1`.
///
/// A line of one element is that element when `single_is_element`: XLA drops a one-element
/// window for the types it computes natively (f64, f32, f16), but not where its float
/// normalisation wrapped the combination in conversions (bfloat16, the 8-bit floats), which
/// then combine the element with `init` (so a -0 sums to +0).
#[allow(clippy::too_many_arguments)]
pub fn scan_axis_xla<T: Copy>(
    x: &[T],
    outer: usize,
    len: usize,
    inner: usize,
    reverse: bool,
    init: T,
    single_is_element: bool,
    f: impl Fn(T, T) -> T + Copy,
) -> Vec<T> {
    let mut out = x.to_vec();
    if len == 0 || inner == 0 || (len == 1 && single_is_element) {
        return out;
    }
    let mut line = Vec::with_capacity(if inner > 1 { len } else { 0 });
    for block in out.chunks_exact_mut(len * inner).take(outer) {
        if inner == 1 {
            scan_line_xla(block, reverse, init, f);
            continue;
        }
        for i in 0..inner {
            line.clear();
            line.extend((0..len).map(|j| block[j * inner + i]));
            scan_line_xla(&mut line, reverse, init, f);
            for (j, &v) in line.iter().enumerate() {
                block[j * inner + i] = v;
            }
        }
    }
    out
}

/// [`scan_axis_xla`] on one contiguous line, in place.
fn scan_line_xla<T: Copy>(x: &mut [T], reverse: bool, init: T, f: impl Fn(T, T) -> T + Copy) {
    let n = x.len();
    if n <= XLA_SCAN_BLOCK {
        if reverse {
            suffix_folds(x, init, f);
        } else {
            let mut acc = init;
            for v in x.iter_mut() {
                acc = f(acc, *v);
                *v = acc;
            }
        }
        return;
    }
    let mut totals: Vec<T> = x
        .chunks_mut(XLA_SCAN_BLOCK)
        .map(|b| {
            scan_line_xla(b, reverse, init, f);
            // A short last block's total feeds no other block's output either way.
            if reverse {
                b[0]
            } else {
                b[b.len() - 1]
            }
        })
        .collect();
    scan_line_xla(&mut totals, reverse, init, f);
    let blocks = totals.len();
    for (k, b) in x.chunks_mut(XLA_SCAN_BLOCK).enumerate() {
        let carry = if reverse {
            (k + 1 < blocks).then(|| totals[k + 1])
        } else {
            k.checked_sub(1).map(|p| totals[p])
        };
        if let Some(c) = carry {
            for v in b.iter_mut() {
                *v = f(*v, c);
            }
        }
    }
}

/// `x[i] = f(..f(f(init, x[i]), x[i + 1]).., x[n - 1])` for every `i`: a reverse scan of a
/// short line as a `reduce_window` computes it, each output folding its own window.
fn suffix_folds<T: Copy>(x: &mut [T], init: T, f: impl Fn(T, T) -> T) {
    for i in 0..x.len() {
        let mut acc = init;
        for &v in &x[i..] {
            acc = f(acc, v);
        }
        x[i] = acc;
    }
}
