//! The Threefry block ciphers (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
//! 2011) with JAX's parameters: Threefry-2x32 and Threefry-4x32, 20 rounds, key injection after
//! every 4; and [`map_lanes`], which applies any counter-based block function elementwise.

use super::PARALLEL_THRESHOLD;
use rayon::prelude::*;

/// Threefry-2x32's rotation distances, for even and odd groups of four rounds.
pub(crate) const ROTATIONS: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];
/// The key schedule's parity constant (Threefry's C240).
pub(crate) const KS_PARITY: u32 = 0x1BD1_1BDA;

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

/// Threefry-4x32's rotation pair of each round (the schedule repeats every 8 rounds).
pub(crate) const ROTATIONS_4X32: [[u32; 2]; 8] = [
    [10, 26],
    [11, 21],
    [13, 27],
    [23, 5],
    [6, 20],
    [17, 11],
    [25, 10],
    [18, 20],
];

/// One Threefry-4x32 block (JAX's `threefry4x32` primitive): `args` is the key `k0..k3`
/// followed by the counter `x0..x3`.
#[inline]
pub fn threefry4x32_block(args: [u32; 8]) -> [u32; 4] {
    let [k0, k1, k2, k3, x0, x1, x2, x3] = args;
    let ks = [k0, k1, k2, k3, k0 ^ k1 ^ k2 ^ k3 ^ KS_PARITY];
    let mut x = [
        x0.wrapping_add(k0),
        x1.wrapping_add(k1),
        x2.wrapping_add(k2),
        x3.wrapping_add(k3),
    ];
    for round in 0..20 {
        let [r0, r1] = ROTATIONS_4X32[round % 8];
        // Even rounds mix the pairs (0, 1) and (2, 3); odd rounds (0, 3) and (2, 1): the
        // 4-word permutation.
        let (a, b) = if round % 2 == 0 { (1, 3) } else { (3, 1) };
        x[0] = x[0].wrapping_add(x[a]);
        x[a] = x[a].rotate_left(r0) ^ x[0];
        x[2] = x[2].wrapping_add(x[b]);
        x[b] = x[b].rotate_left(r1) ^ x[2];
        if round % 4 == 3 {
            let s = round / 4;
            for (j, word) in x.iter_mut().enumerate() {
                *word = word.wrapping_add(ks[(s + j + 1) % 5]);
            }
            x[3] = x[3].wrapping_add(s as u32 + 1);
        }
    }
    x
}

/// Applies a counter-based block function elementwise to `n` lanes: lane `i` reads element `i`
/// of every operand, or its only element for an operand of length 1 (a broadcast scalar).
/// Returns the `O` output words as `O` arrays of `n` elements.
pub fn map_lanes<const I: usize, const O: usize>(
    args: [&[u32]; I],
    n: usize,
    block: impl Fn([u32; I]) -> [u32; O] + Sync,
) -> [Vec<u32>; O] {
    let steps = args.map(|s| usize::from(!(s.len() == 1 && n != 1)));
    let lane = |i: usize| block(std::array::from_fn(|j| args[j][i * steps[j]]));
    let words: Vec<[u32; O]> = if n < PARALLEL_THRESHOLD / 4 {
        (0..n).map(lane).collect()
    } else {
        (0..n)
            .into_par_iter()
            .with_min_len(4096)
            .map(lane)
            .collect()
    };
    std::array::from_fn(|j| words.iter().map(|w| w[j]).collect())
}

/// [`threefry_block`] on JAX's primitive operand order `[k0, k1, x0, x1]`, for [`map_lanes`].
#[inline]
pub fn threefry2x32_block([k0, k1, x0, x1]: [u32; 4]) -> [u32; 2] {
    let (y0, y1) = threefry_block(k0, k1, x0, x1);
    [y0, y1]
}

/// The (high, low) 32-bit words of the counters `0..n` (a row-major 64-bit iota).
pub fn iota_2x32(n: usize) -> (Vec<u32>, Vec<u32>) {
    (0..n as u64).map(|i| ((i >> 32) as u32, i as u32)).unzip()
}
