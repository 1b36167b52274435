//! Strided copies: the one kernel behind transpose, broadcast, rev and strided slices.

use super::uninit::{as_uninit, vec_filled_by};
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
    // SAFETY: strided_copy_uninit writes every one of the n slots.
    unsafe {
        vec_filled_by(n, |out| {
            strided_copy_uninit(src, out_shape, strides, offset, 0, out)
        })
    }
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
    assert_eq!(
        out.len(),
        out_shape.iter().product::<usize>(),
        "strided_copy: output buffer has the wrong length"
    );
    strided_copy_range_into(src, out_shape, strides, offset, 0, out)
}

/// Elements `start..start + out.len()` (in row-major order) of the strided view that
/// [`strided_copy`] copies whole: what a fused loop reads one block at a time.
pub fn strided_copy_range_into<T: Copy>(
    src: &[T],
    out_shape: &[usize],
    strides: &[isize],
    offset: isize,
    start: usize,
    out: &mut [T],
) {
    // SAFETY: strided_copy_uninit only stores elements copied from `src`.
    let out = unsafe { as_uninit(out) };
    strided_copy_uninit(src, out_shape, strides, offset, start, out)
}

/// The shared loop: writes every slot of `out` with elements `start..start + out.len()` of the
/// view, walking the innermost axis in runs.
fn strided_copy_uninit<T: Copy>(
    src: &[T],
    out_shape: &[usize],
    strides: &[isize],
    offset: isize,
    start: usize,
    out: &mut [MaybeUninit<T>],
) {
    let n: usize = out_shape.iter().product();
    assert!(
        start + out.len() <= n,
        "strided_copy: elements {start}..{} of a view of {n}",
        start + out.len()
    );
    if out.is_empty() {
        return;
    }
    let nd = out_shape.len();
    if nd == 0 {
        out[0].write(src[offset as usize]);
        return;
    }
    // The multi-index of `start` and the source position it reads.
    let mut idx = smallvec::SmallVec::<[usize; 6]>::from_elem(0, nd);
    let mut rest = start;
    let mut base = offset;
    for k in (0..nd).rev() {
        idx[k] = rest % out_shape[k];
        rest /= out_shape[k];
        base += idx[k] as isize * strides[k];
    }
    let inner = out_shape[nd - 1];
    let inner_stride = strides[nd - 1];
    let mut done = 0;
    while done < out.len() {
        let run = (inner - idx[nd - 1]).min(out.len() - done);
        let row = &mut out[done..done + run];
        if inner_stride == 1 {
            let b = base as usize;
            for (o, &v) in row.iter_mut().zip(&src[b..b + run]) {
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
        done += run;
        // Back to the start of the row, then advance the outer multi-index like an odometer.
        base -= idx[nd - 1] as isize * inner_stride;
        idx[nd - 1] = 0;
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
