//! Row-major ↔ column-major copies of one matrix, for faer.
//!
//! Arrays here are row-major, but faer's factorizations (LU, Cholesky, QR, eigen and singular
//! value decompositions) are written for unit row stride: on a row-major view they ran 1.5-2x
//! slower (LU at n = 256 and 1024). A column-major copy in and out costs O(mn), noise beside
//! their O(n³).

use rayon::prelude::*;

/// Side of the square tiles the copies walk, so the rows read and the columns written of one
/// tile stay in cache together.
const TILE: usize = 64;

/// Matrices of at least this many elements are copied by both cores, a band of `TILE`
/// destination rows each: the copy is bound by memory traffic, which two cores move faster.
/// Below it (a 256×256 matrix is 2^16) the hand-off to the other core cost more than it saved.
const PARALLEL_ELEMENTS: usize = 1 << 18;

/// Copies `src` (a row-major `rows`×`cols` matrix) into `dst` transposed (`dst[j * rows + i] =
/// src[i * cols + j]`).
///
/// The copy moves square blocks of one cache line's worth of elements a side through a local
/// array, so each of a block's source rows is read once and each destination row written once,
/// as whole runs. Element-at-a-time writes down a column were 20% of an LU solve at n = 1024:
/// with a power-of-two row length every element of a column maps to the same cache set, and
/// the lines were evicted before they were filled.
pub(crate) fn transpose_into<T: Copy + Send + Sync>(
    src: &[T],
    rows: usize,
    cols: usize,
    dst: &mut [T],
) {
    assert!(
        src.len() >= rows * cols && dst.len() >= rows * cols,
        "transpose_into: buffers of {} and {} elements for a {rows}x{cols} matrix",
        src.len(),
        dst.len()
    );
    if rows == 0 || cols == 0 {
        return;
    }
    let dst = &mut dst[..rows * cols];
    // Destination rows j0..j0 + TILE are source columns j0..j0 + TILE: one band.
    let band = |(b, out): (usize, &mut [T])| {
        let j0 = b * TILE;
        if std::mem::size_of::<T>() <= 4 {
            transpose_band::<T, 16>(src, rows, cols, j0, out);
        } else {
            transpose_band::<T, 8>(src, rows, cols, j0, out);
        }
    };
    if rows * cols >= PARALLEL_ELEMENTS {
        dst.par_chunks_mut(TILE * rows).enumerate().for_each(band);
    } else {
        dst.chunks_mut(TILE * rows).enumerate().for_each(band);
    }
}

/// Source columns `j0..j0 + TILE` (fewer at the right edge) into `out`, the destination rows
/// that hold them, tile by tile and, inside a tile, `B`×`B` block by block.
fn transpose_band<T: Copy, const B: usize>(
    src: &[T],
    rows: usize,
    cols: usize,
    j0: usize,
    out: &mut [T],
) {
    let j_end = (j0 + TILE).min(cols);
    for i0 in (0..rows).step_by(TILE) {
        let i_end = (i0 + TILE).min(rows);
        for i in (i0..i_end).step_by(B) {
            for j in (j0..j_end).step_by(B) {
                if i + B <= i_end && j + B <= j_end {
                    let block = load_block::<T, B>(src, cols, i, j);
                    store_block_transposed(out, rows, &block, j - j0, i);
                } else {
                    for r in i..(i + B).min(i_end) {
                        for c in j..(j + B).min(j_end) {
                            out[(c - j0) * rows + r] = src[r * cols + c];
                        }
                    }
                }
            }
        }
    }
}

/// Transposes the row-major `n`×`n` matrix `a` in place: a square matrix's column-major copy
/// in its own buffer, without allocating one. Blocks move in pairs through local arrays (the
/// one at block row `i`, column `j` and its mirror), read and written as whole row runs, for
/// the reasons given on `transpose_into`.
pub(crate) fn transpose_square_in_place<T: Copy>(a: &mut [T], n: usize) {
    assert!(
        a.len() >= n * n,
        "transpose_square_in_place: a buffer of {} elements for a {n}x{n} matrix",
        a.len()
    );
    if std::mem::size_of::<T>() <= 4 {
        transpose_square_blocks::<T, 16>(a, n);
    } else {
        transpose_square_blocks::<T, 8>(a, n);
    }
}

fn transpose_square_blocks<T: Copy, const B: usize>(a: &mut [T], n: usize) {
    let full = n / B * B;
    for i in (0..full).step_by(B) {
        let diagonal = load_block::<T, B>(a, n, i, i);
        store_block_transposed(a, n, &diagonal, i, i);
        for j in (i + B..full).step_by(B) {
            let upper = load_block::<T, B>(a, n, i, j);
            let lower = load_block::<T, B>(a, n, j, i);
            store_block_transposed(a, n, &upper, j, i);
            store_block_transposed(a, n, &lower, i, j);
        }
    }
    // The ragged last rows and columns, element by element.
    for i in 0..n {
        for j in full.max(i + 1)..n {
            a.swap(i * n + j, j * n + i);
        }
    }
}

/// The `B`×`B` block at row `i`, column `j` of the row-major matrix `a` with rows of `stride`
/// elements, read as `B` row runs.
fn load_block<T: Copy, const B: usize>(a: &[T], stride: usize, i: usize, j: usize) -> [[T; B]; B] {
    let mut block = [[a[i * stride + j]; B]; B];
    for (r, line) in block.iter_mut().enumerate() {
        line.copy_from_slice(&a[(i + r) * stride + j..][..B]);
    }
    block
}

/// Writes the transpose of `block` at row `i`, column `j` of the row-major matrix `a` with rows
/// of `stride` elements, as `B` row runs.
fn store_block_transposed<T: Copy, const B: usize>(
    a: &mut [T],
    stride: usize,
    block: &[[T; B]; B],
    i: usize,
    j: usize,
) {
    for r in 0..B {
        for (c, x) in a[(i + r) * stride + j..][..B].iter_mut().enumerate() {
            *x = block[c][r];
        }
    }
}

/// Writes the matrix whose column `j` is `column(j)` (each `rows` elements long) into `out` in
/// row-major order (`out[i * cols + j] = column(j)[i]`): a column-major matrix with any column
/// stride, such as faer's padded `Mat`. Square blocks of one cache line's worth of elements a
/// side move through a local array, for the reasons given on [`transpose_into`]: read
/// element by element, the rows of a 1024x1024 result touched one cache line of every column.
pub(crate) fn columns_to_row_major<'a, T: Copy + 'a>(
    rows: usize,
    cols: usize,
    column: impl Fn(usize) -> &'a [T],
    out: &mut [T],
) {
    assert_eq!(
        out.len(),
        rows * cols,
        "columns_to_row_major: a buffer of {} elements for a {rows}x{cols} matrix",
        out.len()
    );
    if std::mem::size_of::<T>() <= 4 {
        columns_to_row_major_blocks::<T, 16>(rows, cols, column, out);
    } else {
        columns_to_row_major_blocks::<T, 8>(rows, cols, column, out);
    }
}

fn columns_to_row_major_blocks<'a, T: Copy + 'a, const B: usize>(
    rows: usize,
    cols: usize,
    column: impl Fn(usize) -> &'a [T],
    out: &mut [T],
) {
    for j in (0..cols).step_by(B) {
        let width = B.min(cols - j);
        let band: Vec<&[T]> = (j..j + width).map(|c| &column(c)[..rows]).collect();
        let mut i = 0;
        if width == B {
            while i + B <= rows {
                // Row r of `block` is column j + r's elements i..i + B.
                let mut block = [[band[0][i]; B]; B];
                for (line, col) in block.iter_mut().zip(&band) {
                    line.copy_from_slice(&col[i..i + B]);
                }
                store_block_transposed(out, cols, &block, i, j);
                i += B;
            }
        }
        for r in i..rows {
            for (c, col) in band.iter().enumerate() {
                out[r * cols + j + c] = col[r];
            }
        }
    }
}

/// A column-major copy of the row-major `m`×`n` matrix `a`.
pub(crate) fn to_column_major<T: Copy + Send + Sync>(a: &[T], m: usize, n: usize) -> Vec<T> {
    // Any value will do: every element is overwritten (a fill, where a copy also reads `a`).
    let mut out = match a.first() {
        Some(&x) if m * n > 0 => vec![x; m * n],
        _ => Vec::new(),
    };
    transpose_into(a, m, n, &mut out);
    out
}

/// Writes the column-major `m`×`n` matrix `t` into `a` in row-major order.
pub(crate) fn from_column_major<T: Copy + Send + Sync>(t: &[T], m: usize, n: usize, a: &mut [T]) {
    // Column-major m×n is row-major n×m.
    transpose_into(t, n, m, a);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_transposes_in_place_match_the_copy() {
        for n in [0, 1, 5, 8, 16, 17, 33, 70] {
            let a: Vec<u32> = (0..(n * n) as u32).collect();
            let mut b = a.clone();
            transpose_square_in_place(&mut b, n);
            assert_eq!(b, to_column_major(&a, n, n), "u32 {n}x{n}");
            let a64: Vec<u64> = a.iter().map(|&x| u64::from(x)).collect();
            let mut b64 = a64.clone();
            transpose_square_in_place(&mut b64, n);
            assert_eq!(b64, to_column_major(&a64, n, n), "u64 {n}x{n}");
        }
    }

    #[test]
    fn strided_columns_are_copied_in_row_major_order() {
        for (rows, cols, stride) in [(0, 3, 1), (3, 0, 4), (5, 7, 5), (17, 33, 20), (40, 19, 41)] {
            let data: Vec<u64> = (0..(stride * cols) as u64).collect();
            let mut out = vec![u64::MAX; rows * cols];
            columns_to_row_major(rows, cols, |j| &data[j * stride..], &mut out);
            for i in 0..rows {
                for j in 0..cols {
                    assert_eq!(out[i * cols + j], data[j * stride + i], "u64 {rows}x{cols}");
                }
            }
            let data32: Vec<u32> = data.iter().map(|&x| x as u32).collect();
            let mut out32 = vec![u32::MAX; rows * cols];
            columns_to_row_major(rows, cols, |j| &data32[j * stride..], &mut out32);
            assert!(
                out32.iter().zip(&out).all(|(&a, &b)| u64::from(a) == b),
                "u32"
            );
        }
    }

    #[test]
    fn round_trip_of_non_square_matrices_larger_than_a_tile() {
        for (m, n) in [
            (0, 3),
            (1, 1),
            (3, 5),
            (8, 8),
            (16, 16),
            (37, 70),
            (64, 33),
            (130, 67),
            (300, 259),
        ] {
            let a: Vec<u32> = (0..(m * n) as u32).collect();
            let t = to_column_major(&a, m, n);
            for i in 0..m {
                for j in 0..n {
                    assert_eq!(t[j * m + i], a[i * n + j], "{m}x{n} at ({i}, {j})");
                }
            }
            let mut back = vec![0; m * n];
            from_column_major(&t, m, n, &mut back);
            assert_eq!(back, a, "{m}x{n}");
        }
    }
}
