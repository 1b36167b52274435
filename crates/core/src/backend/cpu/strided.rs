//! Strided copies: the one kernel behind transpose, broadcast, rev and strided slices.

use std::mem::MaybeUninit;

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
    strided_copy_uninit(
        src,
        out_shape,
        strides,
        offset,
        &mut out.spare_capacity_mut()[..n],
    );
    // SAFETY: strided_copy_uninit writes every one of the n slots.
    unsafe { out.set_len(n) };
    out
}

/// [`strided_copy`] into an existing buffer of `out_shape`'s size (the compiled executor's
/// planned buffers).
pub fn strided_copy_into<T: Copy>(
    src: &[T],
    out_shape: &[usize],
    strides: &[isize],
    offset: isize,
    out: &mut [T],
) {
    // SAFETY: `MaybeUninit<T>` has `T`'s layout; every slot is overwritten with a valid `T`.
    let out = unsafe { &mut *(out as *mut [T] as *mut [MaybeUninit<T>]) };
    strided_copy_uninit(src, out_shape, strides, offset, out)
}

/// The shared loop: writes every slot of `out` (which has `out_shape`'s size).
fn strided_copy_uninit<T: Copy>(
    src: &[T],
    out_shape: &[usize],
    strides: &[isize],
    offset: isize,
    out: &mut [MaybeUninit<T>],
) {
    let n: usize = out_shape.iter().product();
    assert_eq!(
        out.len(),
        n,
        "strided_copy: output buffer has the wrong length"
    );
    if n == 0 {
        return;
    }
    let nd = out_shape.len();
    if nd == 0 {
        out[0].write(src[offset as usize]);
        return;
    }
    let inner = out_shape[nd - 1];
    let inner_stride = strides[nd - 1];
    let mut idx = smallvec::SmallVec::<[usize; 6]>::from_elem(0, nd - 1);
    let mut base = offset;
    for row in out.chunks_exact_mut(inner) {
        if inner_stride == 1 {
            let b = base as usize;
            for (o, &v) in row.iter_mut().zip(&src[b..b + inner]) {
                o.write(v);
            }
        } else if inner_stride == 0 {
            let v = src[base as usize];
            for o in row.iter_mut() {
                o.write(v);
            }
        } else {
            for (i, o) in row.iter_mut().enumerate() {
                o.write(src[(base + i as isize * inner_stride) as usize]);
            }
        }
        // Advance the outer multi-index like an odometer.
        let mut k = nd - 1;
        while k > 0 {
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
