//! Strided copies: the one kernel behind transpose, broadcast, rev and strided slices.
//!
//! A view whose innermost axis is strided but whose next axis is contiguous in the source (a
//! transpose of the last two axes, as in `x.T` or attention's `(B, H, T, D) → (B, H, D, T)`)
//! is copied in square tiles: a row-by-row walk would read one element per cache line and, for
//! power-of-two strides, evict its own lines (a 512x512 f32 transpose took 450-520 µs that
//! way; tiled, about 85 µs on one core).

use super::simd::{dispatch, Kernel};
use super::transpose_tile;
use super::uninit::{as_uninit, vec_filled_by};
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Above this many bytes a tiled copy splits its rows among rayon's threads.
const PARALLEL_COPY_BYTES: usize = 512 << 10;

/// Copies `src` into a new row-major buffer of shape `out_shape`, where output index `idx` reads
/// `src[offset + Σ idx[k] * strides[k]]`.
///
/// Strides may be zero (broadcast) or negative (reversal). The innermost axis is a tight loop,
/// and a contiguous innermost axis becomes a slice copy.
pub fn strided_copy<T: Copy + Send + Sync>(
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
pub fn strided_copy_into<T: Copy + Send + Sync>(
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
pub fn strided_copy_range_into<T: Copy + Send + Sync>(
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
/// view, in tiles where the view transposes an earlier axis with its last (see
/// [`transposing_copy`] and [`outer_axis_transpose`]), else row by row.
fn strided_copy_uninit<T: Copy + Send + Sync>(
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
    let inner = out_shape[nd - 1];
    let inner_stride = strides[nd - 1];
    if nd >= 2 && strides[nd - 2] == 1 && inner_stride.unsigned_abs() > 1 && out_shape[nd - 2] > 1 {
        // The whole output rows go through the tiles; a partial first or last row (a fused
        // loop's block that does not start at a row) is walked.
        let head = ((inner - start % inner) % inner).min(out.len());
        let whole = (out.len() - head) / inner * inner;
        if whole > 0 {
            let (head_out, rest) = out.split_at_mut(head);
            let (whole_out, tail_out) = rest.split_at_mut(whole);
            walk_rows(src, out_shape, strides, offset, start, head_out);
            transposing_copy(
                src,
                out_shape,
                strides,
                offset,
                (start + head) / inner,
                whole_out,
            );
            walk_rows(
                src,
                out_shape,
                strides,
                offset,
                start + head + whole,
                tail_out,
            );
            return;
        }
    }
    if let Some(p) = (0..nd.saturating_sub(2)).find(|&p| strides[p] == 1 && out_shape[p] > 1)
        && start == 0
        && out.len() == n
        && inner_stride.unsigned_abs() > 1
    {
        match std::mem::size_of::<T>() {
            1 | 2 | 4 => outer_axis_transpose::<T, 16>(src, out_shape, strides, offset, p, out),
            8 => outer_axis_transpose::<T, 8>(src, out_shape, strides, offset, p, out),
            _ => outer_axis_transpose::<T, 4>(src, out_shape, strides, offset, p, out),
        }
        return;
    }
    walk_rows(src, out_shape, strides, offset, start, out);
}

/// A whole copy whose source-contiguous axis `p` lies before the last two (a reversal of axes,
/// `(T, B, C) → (C, B, T)`, as gradients of batched products ask for): for each index of the
/// other leading axes, the `(p, last)` plane is copied in tiles on this thread.
fn outer_axis_transpose<T: Copy, const B: usize>(
    src: &[T],
    out_shape: &[usize],
    strides: &[isize],
    offset: isize,
    p: usize,
    out: &mut [MaybeUninit<T>],
) {
    let nd = out_shape.len();
    let out_strides = row_major_strides(out_shape);
    let (rows, cols) = (out_shape[p], out_shape[nd - 1]);
    let others: Vec<usize> = (0..nd - 1).filter(|&k| k != p).collect();
    let mut idx = vec![0usize; others.len()];
    let shuffles = B.is_multiple_of(8) && transpose_tile::available::<T>();
    loop {
        let (mut src_base, mut out_base) = (offset, 0isize);
        for (&k, &i) in others.iter().zip(&idx) {
            src_base += i as isize * strides[k];
            out_base += i as isize * out_strides[k];
        }
        for a0 in (0..rows).step_by(B) {
            let height = B.min(rows - a0);
            let first = out_base as usize + a0 * out_strides[p] as usize;
            let last = first + (height - 1) * out_strides[p] as usize + cols;
            dispatch(TileRows::<T, B> {
                src,
                base: src_base + a0 as isize,
                col_stride: strides[nd - 1],
                height,
                cols,
                out: &mut out[first..last],
                out_row_stride: out_strides[p] as usize,
                shuffles,
            });
        }
        // Advance the other axes like an odometer.
        let mut k = others.len();
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < out_shape[others[k]] {
                break;
            }
            idx[k] = 0;
        }
    }
}

/// [`strided_copy_uninit`]'s general case: elements `start..start + out.len()` of the view,
/// walking the innermost axis in runs.
fn walk_rows<T: Copy>(
    src: &[T],
    out_shape: &[usize],
    strides: &[isize],
    offset: isize,
    start: usize,
    out: &mut [MaybeUninit<T>],
) {
    if out.is_empty() {
        return;
    }
    let nd = out_shape.len();
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

/// Whole output rows `row0..` of a view whose second-to-last axis reads `src` contiguously and
/// whose last axis is strided: each plane (an index of the leading axes) is a `rows × cols`
/// matrix read transposed, copied in tiles of `B × B`.
fn transposing_copy<T: Copy + Send + Sync>(
    src: &[T],
    out_shape: &[usize],
    strides: &[isize],
    offset: isize,
    row0: usize,
    out: &mut [MaybeUninit<T>],
) {
    let geometry = TileGeometry {
        out_shape,
        strides,
        offset,
    };
    // One cache line of elements per tile edge (at most 16, at least 4).
    match std::mem::size_of::<T>() {
        1 | 2 | 4 => geometry.copy_rows::<T, 16>(src, row0, out),
        8 => geometry.copy_rows::<T, 8>(src, row0, out),
        _ => geometry.copy_rows::<T, 4>(src, row0, out),
    }
}

/// The view [`transposing_copy`] walks: planes of `rows × cols` output elements.
#[derive(Clone, Copy)]
struct TileGeometry<'a> {
    out_shape: &'a [usize],
    strides: &'a [isize],
    offset: isize,
}

impl TileGeometry<'_> {
    fn rows(&self) -> usize {
        self.out_shape[self.out_shape.len() - 2]
    }

    fn cols(&self) -> usize {
        self.out_shape[self.out_shape.len() - 1]
    }

    /// Where output row `row` (counted over all planes) starts reading `src`.
    fn row_base(&self, row: usize) -> isize {
        let nd = self.out_shape.len();
        let (mut plane, i) = (row / self.rows(), row % self.rows());
        let mut base = self.offset + i as isize;
        for k in (0..nd - 2).rev() {
            base += (plane % self.out_shape[k]) as isize * self.strides[k];
            plane /= self.out_shape[k];
        }
        base
    }

    /// Copies output rows `row0..row0 + out.len() / cols`, splitting them among threads when
    /// the copy is large.
    fn copy_rows<T: Copy + Send + Sync, const B: usize>(
        self,
        src: &[T],
        row0: usize,
        out: &mut [MaybeUninit<T>],
    ) {
        let cols = self.cols();
        let bytes = out.len() * std::mem::size_of::<T>();
        if bytes >= PARALLEL_COPY_BYTES && rayon::current_num_threads() > 1 {
            // Chunks of whole tile rows (B output rows), aligned to the planes' tile grid
            // only when a plane's row count is a multiple of B; tiles never cross planes
            // either way (see `copy_rows_serial`).
            out.par_chunks_mut(B * cols)
                .enumerate()
                .for_each(|(c, chunk)| self.copy_rows_serial::<T, B>(src, row0 + c * B, chunk));
        } else {
            self.copy_rows_serial::<T, B>(src, row0, out);
        }
    }

    /// The copy on one thread: rows are grouped into tiles of at most B rows of one plane.
    fn copy_rows_serial<T: Copy, const B: usize>(
        self,
        src: &[T],
        row0: usize,
        out: &mut [MaybeUninit<T>],
    ) {
        let (rows, cols) = (self.rows(), self.cols());
        let col_stride = self.strides[self.strides.len() - 1];
        let nrows = out.len() / cols;
        let shuffles = B.is_multiple_of(8) && transpose_tile::available::<T>();
        let mut r = 0;
        while r < nrows {
            let in_plane = (row0 + r) % rows;
            let height = B.min(rows - in_plane).min(nrows - r);
            let block = &mut out[r * cols..(r + height) * cols];
            dispatch(TileRows::<T, B> {
                src,
                base: self.row_base(row0 + r),
                col_stride,
                height,
                cols,
                out: block,
                out_row_stride: cols,
                shuffles,
            });
            r += height;
        }
    }
}

/// `height` (≤ B) output rows of `cols` elements, `out_row_stride` apart in `out`; output
/// `(a, j)` reads `src[base + a + j·col_stride]`.
struct TileRows<'a, 'o, T, const B: usize> {
    src: &'a [T],
    base: isize,
    col_stride: isize,
    height: usize,
    cols: usize,
    out: &'o mut [MaybeUninit<T>],
    out_row_stride: usize,
    /// Whole tiles go through [`transpose_tile::transpose_8x8`] (4-byte elements, AVX).
    shuffles: bool,
}

impl<T: Copy, const B: usize> Kernel for TileRows<'_, '_, T, B> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        tile_rows::<T, B>(
            self.src,
            self.base,
            self.col_stride,
            self.height,
            self.cols,
            self.out,
            self.out_row_stride,
            self.shuffles,
        )
    }
}

// The slices are arguments, not fields of a struct, so LLVM knows `out` aliases nothing (see
// `simd::Kernel`); hence the long list.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tile_rows<T: Copy, const B: usize>(
    src: &[T],
    base: isize,
    col_stride: isize,
    height: usize,
    cols: usize,
    out: &mut [MaybeUninit<T>],
    out_row_stride: usize,
    shuffles: bool,
) {
    let at = |a: usize, j: usize| (base + a as isize + j as isize * col_stride) as usize;
    let full_cols = if height == B { cols / B * B } else { 0 };
    if shuffles {
        for j0 in (0..full_cols).step_by(B) {
            for a0 in (0..B).step_by(8) {
                for b0 in (0..B).step_by(8) {
                    transpose_tile::transpose_8x8(
                        src,
                        base + a0 as isize + (j0 + b0) as isize * col_stride,
                        col_stride,
                        out,
                        a0 * out_row_stride + j0 + b0,
                        out_row_stride,
                    );
                }
            }
        }
    }
    let shuffled = if shuffles { full_cols } else { 0 };
    for j0 in (shuffled..full_cols).step_by(B) {
        // Read B contiguous source runs (one per output column) into registers, then write
        // them out as B output row pieces.
        let mut tile = [[MaybeUninit::<T>::uninit(); B]; B];
        for (b, line) in tile.iter_mut().enumerate() {
            let s = at(0, j0 + b);
            for (t, &v) in line.iter_mut().zip(&src[s..s + B]) {
                t.write(v);
            }
        }
        for a in 0..B {
            let row = &mut out[a * out_row_stride + j0..a * out_row_stride + j0 + B];
            for (b, o) in row.iter_mut().enumerate() {
                *o = tile[b][a];
            }
        }
    }
    for a in 0..height {
        for j in full_cols..cols {
            out[a * out_row_stride + j].write(src[at(a, j)]);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy element by element, as the definition says.
    fn naive<T: Copy>(src: &[T], shape: &[usize], strides: &[isize], offset: isize) -> Vec<T> {
        let n: usize = shape.iter().product();
        (0..n)
            .map(|mut flat| {
                let mut pos = offset;
                for k in (0..shape.len()).rev() {
                    pos += (flat % shape[k]) as isize * strides[k];
                    flat /= shape[k];
                }
                src[pos as usize]
            })
            .collect()
    }

    /// Transposes of the last two axes (with leading planes, reversals and sizes that leave
    /// partial tiles), for element sizes 1 to 16, whole and in windows.
    fn check_transposes<T: Copy + Send + Sync + PartialEq + std::fmt::Debug>(
        make: impl Fn(usize) -> T,
    ) {
        // (source shape, permutation, reverse the new last axis)
        let cases: [(&[usize], &[usize], bool); 10] = [
            (&[6, 5, 19], &[2, 1, 0], false),
            (&[4, 3, 18, 33], &[3, 1, 0, 2], true),
            (&[2, 40, 3, 20], &[3, 2, 0, 1], false),
            (&[5, 3], &[1, 0], false),
            (&[16, 16], &[1, 0], false),
            (&[37, 21], &[1, 0], false),
            (&[40, 33], &[1, 0], true),
            (&[3, 20, 18], &[0, 2, 1], false),
            (&[2, 3, 17, 9], &[0, 1, 3, 2], true),
            (&[600, 530], &[1, 0], false),
        ];
        for (shape, perm, reverse) in cases {
            let n: usize = shape.iter().product();
            let src: Vec<T> = (0..n).map(&make).collect();
            let base = row_major_strides(shape);
            let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
            let mut strides: Vec<isize> = perm.iter().map(|&p| base[p]).collect();
            let mut offset = 0;
            let last = strides.len() - 1;
            if reverse {
                offset = (out_shape[last] as isize - 1) * strides[last];
                strides[last] = -strides[last];
            }
            let want = naive(&src, &out_shape, &strides, offset);
            let got = strided_copy(&src, &out_shape, &strides, offset);
            assert!(
                got == want,
                "{shape:?} permuted {perm:?}, reversed {reverse}"
            );
            let cols = out_shape[last];
            // Windows aligned to rows and not (a partial first and last row).
            for (rows, extra) in [(1, 0), (3, 5), (16, 0), (16, 7)] {
                for start in (0..n).step_by(rows * cols * 2 + cols + extra) {
                    let len = (rows * cols + extra).min(n - start);
                    let mut window = vec![make(0); len];
                    strided_copy_range_into(&src, &out_shape, &strides, offset, start, &mut window);
                    assert!(
                        window == want[start..start + len],
                        "{shape:?} window at {start}"
                    );
                }
            }
        }
    }

    #[test]
    fn tiled_transposes_match_the_elementwise_copy() {
        check_transposes(|i| i as u8);
        check_transposes(|i| i as u16);
        check_transposes(|i| i as f32);
        check_transposes(|i| i as f64);
        check_transposes(|i| (i as u64, !(i as u64)));
    }
}
