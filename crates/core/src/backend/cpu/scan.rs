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
    for block in out.chunks_exact_mut(len * inner).take(outer) {
        scan_rows_xla(block, inner, reverse, init, f);
    }
    out
}

/// [`scan_axis_xla`] in place on `x` viewed as rows of `width` elements: the scan runs down
/// the rows, each step combining whole contiguous rows (so it vectorises across them).
fn scan_rows_xla<T: Copy>(
    x: &mut [T],
    width: usize,
    reverse: bool,
    init: T,
    f: impl Fn(T, T) -> T + Copy,
) {
    let n = x.len() / width;
    let combine_into = |acc: &mut [T], row: &[T]| {
        for (a, &r) in acc.iter_mut().zip(row) {
            *a = f(*a, r);
        }
    };
    if n <= XLA_SCAN_BLOCK {
        x[..width].iter_mut().for_each(|v| *v = f(init, *v));
        if reverse {
            // Each output folds its own window, the rows from it to the end, left to right;
            // the rows after it are still the inputs when it is computed.
            for i in 0..n {
                if i > 0 {
                    x[i * width..(i + 1) * width]
                        .iter_mut()
                        .for_each(|v| *v = f(init, *v));
                }
                let (head, rest) = x[i * width..].split_at_mut(width);
                for row in rest.chunks_exact(width) {
                    combine_into(head, row);
                }
            }
        } else {
            for j in 1..n {
                let (done, rest) = x.split_at_mut(j * width);
                let prev = &done[(j - 1) * width..];
                for (c, &p) in rest[..width].iter_mut().zip(prev) {
                    *c = f(p, *c);
                }
            }
        }
        return;
    }
    let block = XLA_SCAN_BLOCK * width;
    let mut totals: Vec<T> = Vec::with_capacity(n.div_ceil(XLA_SCAN_BLOCK) * width);
    for b in x.chunks_mut(block) {
        scan_rows_xla(b, width, reverse, init, f);
        // A short last block's total feeds no other block's output either way.
        totals.extend_from_slice(if reverse {
            &b[..width]
        } else {
            &b[b.len() - width..]
        });
    }
    scan_rows_xla(&mut totals, width, reverse, init, f);
    let blocks = totals.len() / width;
    for (k, b) in x.chunks_mut(block).enumerate() {
        let carry = if reverse {
            (k + 1 < blocks).then(|| k + 1)
        } else {
            k.checked_sub(1)
        };
        if let Some(c) = carry {
            let c = &totals[c * width..(c + 1) * width];
            for row in b.chunks_exact_mut(width) {
                combine_into(row, c);
            }
        }
    }
}
