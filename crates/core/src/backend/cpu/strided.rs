//! Strided copies: the one kernel behind transpose, broadcast, rev and strided slices.

/// Copies `src` into a new row-major buffer of shape `out_shape`, where output index `idx` reads
/// `src[offset + Σ idx[k] * strides[k]]`.
///
/// Strides may be zero (broadcast) or negative (reversal). The innermost axis is a tight loop,
/// and a contiguous innermost axis becomes a slice copy.
pub fn strided_copy<T: Copy>(
    src: &[T],
    out_shape: &[usize],
    strides: &[isize],
    offset: isize,
) -> Vec<T> {
    let n: usize = out_shape.iter().product();
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    let nd = out_shape.len();
    if nd == 0 {
        out.push(src[offset as usize]);
        return out;
    }
    let inner = out_shape[nd - 1];
    let inner_stride = strides[nd - 1];
    let mut idx = vec![0usize; nd - 1];
    let mut base = offset;
    loop {
        if inner_stride == 1 {
            let b = base as usize;
            out.extend_from_slice(&src[b..b + inner]);
        } else if inner_stride == 0 {
            let v = src[base as usize];
            out.extend(std::iter::repeat_n(v, inner));
        } else {
            out.extend((0..inner).map(|i| src[(base + i as isize * inner_stride) as usize]));
        }
        // Advance the outer multi-index like an odometer.
        let mut k = nd - 1;
        loop {
            if k == 0 {
                return out;
            }
            k -= 1;
            idx[k] += 1;
            base += strides[k];
            if idx[k] < out_shape[k] {
                break;
            }
            base -= strides[k] * out_shape[k] as isize;
            idx[k] = 0;
        }
    }
}

/// Row-major strides of `shape` as signed integers.
pub fn row_major_strides(shape: &[usize]) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for i in (0..shape.len()).rev() {
        strides[i] = acc;
        acc *= shape[i] as isize;
    }
    strides
}
