//! Row-major ↔ column-major copies of one matrix, for faer.
//!
//! Arrays here are row-major, but faer's factorizations (LU, Cholesky, QR, eigen and singular
//! value decompositions) are written for unit row stride: on a row-major view they ran 1.5-2x
//! slower (LU at n = 256 and 1024). A column-major copy in and out costs O(mn), noise beside
//! their O(n³).

/// Side of the square tiles the copies move at a time, so both the reads and the writes stay
/// within a few cache lines.
const TILE: usize = 32;

/// Copies `src` (a row-major `rows`×`cols` matrix) into `dst` transposed (`dst[j * rows + i] = src[i * cols + j]`), tile by tile.
fn transpose_into<T: Copy>(src: &[T], rows: usize, cols: usize, dst: &mut [T]) {
    assert!(
        src.len() >= rows * cols && dst.len() >= rows * cols,
        "transpose_into: buffers of {} and {} elements for a {rows}x{cols} matrix",
        src.len(),
        dst.len()
    );
    for i0 in (0..rows).step_by(TILE) {
        for j0 in (0..cols).step_by(TILE) {
            for i in i0..(i0 + TILE).min(rows) {
                for j in j0..(j0 + TILE).min(cols) {
                    dst[j * rows + i] = src[i * cols + j];
                }
            }
        }
    }
}

/// A column-major copy of the row-major `m`×`n` matrix `a`.
pub(crate) fn to_column_major<T: Copy>(a: &[T], m: usize, n: usize) -> Vec<T> {
    let mut out = a[..m * n].to_vec();
    transpose_into(a, m, n, &mut out);
    out
}

/// Writes the column-major `m`×`n` matrix `t` into `a` in row-major order.
pub(crate) fn from_column_major<T: Copy>(t: &[T], m: usize, n: usize, a: &mut [T]) {
    // Column-major m×n is row-major n×m.
    transpose_into(t, n, m, a);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_of_non_square_matrices_larger_than_a_tile() {
        for (m, n) in [(0, 3), (1, 1), (3, 5), (37, 70), (64, 33)] {
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
