//! XLA's `RngBitGenerator` on CPU (`xla/hlo/builder/lib/prng.cc`, expanded by
//! `RngBitGeneratorExpander`), bit for bit: the state is `u64[2]` `[key, counter]`.
//!
//! * Philox (XLA's CPU default): the 128-bit counter is `(low = state[1], high = state[0])`,
//!   each Philox-4x32 block (key = `state[0]`'s two words) gives four 32-bit words, taken in
//!   order; a 64-bit element takes two words (low first). The new state is
//!   `[state[0], state[1] + blocks]`.
//! * ThreeFry: element counters start at `state[1]` and are hashed by Threefry-2x32 under
//!   `state[0]`. A 64-bit element is `y0 | y1 << 32` of its own counter; a 32-bit draw splits the
//!   shape in two along its first even axis (else its first longest axis), hashes one counter per
//!   pair and interleaves `y0`, `y1` along that axis. The new state advances the counter by the
//!   number of counters hashed.
//!
//! Narrower draws (8 and 16 bits) are 32-bit draws truncated to their low bits.

use super::philox::philox4x32;
use super::threefry::threefry_block;

/// The two 32-bit words of `v`, low first.
fn words(v: u64) -> (u32, u32) {
    (v as u32, (v >> 32) as u32)
}

/// Philox bits: `n` elements of `width` bits (8, 16, 32 or 64), each in the low bits of a
/// `u64`, and the new state.
pub fn philox_bits(state: [u64; 2], n: usize, width: u32) -> (Vec<u64>, [u64; 2]) {
    let (k0, k1) = words(state[0]);
    let (low, high) = (state[1], state[0]);
    let words_needed = if width == 64 { 2 * n } else { n };
    let blocks = words_needed.div_ceil(4);
    let mut out = Vec::with_capacity(4 * blocks);
    for i in 0..blocks as u64 {
        let counter_low = low.wrapping_add(i);
        let counter_high = high.wrapping_add(u64::from(counter_low < low));
        let (c0, c1) = words(counter_low);
        let (c2, c3) = words(counter_high);
        let y = philox4x32(k0, k1, [c0, c1, c2, c3]);
        if width == 64 {
            out.push(u64::from(y[0]) | u64::from(y[1]) << 32);
            out.push(u64::from(y[2]) | u64::from(y[3]) << 32);
        } else {
            out.extend(y.iter().map(|&w| u64::from(truncate(w, width))));
        }
    }
    out.truncate(n);
    (out, [state[0], low.wrapping_add(blocks as u64)])
}

/// ThreeFry bits for an array of `shape`: row-major elements of `width` bits, each in the low
/// bits of a `u64`, and the new state.
pub fn threefry_bits(state: [u64; 2], shape: &[usize], width: u32) -> (Vec<u64>, [u64; 2]) {
    let (k0, k1) = words(state[0]);
    let hash = |j: usize| {
        let (c0, c1) = words(state[1].wrapping_add(j as u64));
        threefry_block(k0, k1, c0, c1)
    };
    let n: usize = shape.iter().product();
    if width == 64 {
        let out = (0..n)
            .map(|i| {
                let (y0, y1) = hash(i);
                u64::from(y0) | u64::from(y1) << 32
            })
            .collect();
        return (out, [state[0], state[1].wrapping_add(n as u64)]);
    }
    if shape.is_empty() {
        let (y0, _) = hash(0);
        return (
            vec![u64::from(truncate(y0, width))],
            [state[0], state[1].wrapping_add(1)],
        );
    }
    let axis = shape.iter().position(|d| d % 2 == 0).unwrap_or_else(|| {
        (0..shape.len()).fold(0, |m, i| if shape[i] > shape[m] { i } else { m })
    });
    let mut half = shape.to_vec();
    half[axis] = shape[axis].div_ceil(2);
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let mut out = Vec::with_capacity(n);
    for o in 0..outer {
        for a in 0..shape[axis] {
            for i in 0..inner {
                // Element (o, a, i) is word a % 2 of counter (o, a / 2, i) of the half shape.
                let j = (o * half[axis] + a / 2) * inner + i;
                let (y0, y1) = hash(j);
                let w = if a % 2 == 0 { y0 } else { y1 };
                out.push(u64::from(truncate(w, width)));
            }
        }
    }
    let counters: usize = half.iter().product();
    (out, [state[0], state[1].wrapping_add(counters as u64)])
}

/// The low `width` bits of a 32-bit word (XLA converts a `u32` draw to `u8`/`u16`).
fn truncate(w: u32, width: u32) -> u32 {
    if width >= 32 {
        w
    } else {
        w & ((1 << width) - 1)
    }
}
