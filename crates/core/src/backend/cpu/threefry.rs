//! The Threefry-2x32 block cipher (Salmon et al., "Parallel random numbers: as easy as 1, 2,
//! 3", 2011) with JAX's parameters: 20 rounds, key injection after every 4.

use super::PARALLEL_THRESHOLD;
use rayon::prelude::*;

const ROTATIONS: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];
const KS_PARITY: u32 = 0x1BD1_1BDA;

/// One Threefry-2x32 block: encrypts the counter pair `(x0, x1)` under the key `(k0, k1)`.
#[inline]
pub fn threefry_block(k0: u32, k1: u32, x0: u32, x1: u32) -> (u32, u32) {
    let ks = [k0, k1, k0 ^ k1 ^ KS_PARITY];
    let mut x0 = x0.wrapping_add(ks[0]);
    let mut x1 = x1.wrapping_add(ks[1]);
    for i in 0..5 {
        for &r in &ROTATIONS[i % 2] {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(r);
            x1 ^= x0;
        }
        x0 = x0.wrapping_add(ks[(i + 1) % 3]);
        x1 = x1.wrapping_add(ks[(i + 2) % 3]).wrapping_add(i as u32 + 1);
    }
    (x0, x1)
}

/// Applies [`threefry_block`] elementwise to `n` lanes; each operand has `n` elements or is a
/// single element broadcast to all lanes.
pub fn threefry2x32(
    k0: &[u32],
    k1: &[u32],
    x0: &[u32],
    x1: &[u32],
    n: usize,
) -> (Vec<u32>, Vec<u32>) {
    let at = |s: &[u32]| if s.len() == 1 && n != 1 { 0 } else { 1 };
    let (s0, s1, s2, s3) = (at(k0), at(k1), at(x0), at(x1));
    let lane = |i: usize| threefry_block(k0[i * s0], k1[i * s1], x0[i * s2], x1[i * s3]);
    let pairs: Vec<(u32, u32)> = if n < PARALLEL_THRESHOLD / 4 {
        (0..n).map(lane).collect()
    } else {
        (0..n)
            .into_par_iter()
            .with_min_len(4096)
            .map(lane)
            .collect()
    };
    pairs.into_iter().unzip()
}

/// The (high, low) 32-bit words of the counters `0..n` (a row-major 64-bit iota).
pub fn iota_2x32(n: usize) -> (Vec<u32>, Vec<u32>) {
    (0..n as u64).map(|i| ((i >> 32) as u32, i as u32)).unzip()
}
