//! The Philox block ciphers (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
//! 2011) with 10 rounds, as JAX's `philox2x32` / `philox4x32` primitives and XLA's
//! `RngBitGenerator` use them.

pub(crate) const M2X32: u32 = 0xD256_D193;
pub(crate) const M4X32: [u32; 2] = [0xD251_1F53, 0xCD9E_8D57];
/// The Weyl sequence that bumps the key between rounds.
pub(crate) const W32: [u32; 2] = [0x9E37_79B9, 0xBB67_AE85];
pub(crate) const ROUNDS: u32 = 10;

/// `(hi, lo)` of the 64-bit product `a * b`.
#[inline]
fn mul_hi_lo(a: u32, b: u32) -> (u32, u32) {
    let p = u64::from(a) * u64::from(b);
    ((p >> 32) as u32, p as u32)
}

/// One Philox-2x32 block (JAX's `philox2x32`): `[k0, x0, x1]`, the key word and the counter.
#[inline]
pub fn philox2x32_block([mut k0, mut x0, mut x1]: [u32; 3]) -> [u32; 2] {
    for round in 0..ROUNDS {
        if round > 0 {
            k0 = k0.wrapping_add(W32[0]);
        }
        let (hi, lo) = mul_hi_lo(M2X32, x0);
        x0 = hi ^ x1 ^ k0;
        x1 = lo;
    }
    [x0, x1]
}

/// One Philox-4x32 block: encrypts the counter `x` under the key `(k0, k1)`.
#[inline]
pub fn philox4x32(mut k0: u32, mut k1: u32, mut x: [u32; 4]) -> [u32; 4] {
    for round in 0..ROUNDS {
        if round > 0 {
            k0 = k0.wrapping_add(W32[0]);
            k1 = k1.wrapping_add(W32[1]);
        }
        let (hi0, lo0) = mul_hi_lo(M4X32[0], x[0]);
        let (hi1, lo1) = mul_hi_lo(M4X32[1], x[2]);
        x = [hi1 ^ x[1] ^ k0, lo1, hi0 ^ x[3] ^ k1, lo0];
    }
    x
}

/// [`philox4x32`] with JAX's primitive operand order `[k0, k1, x0, x1, x2, x3]`.
#[inline]
pub fn philox4x32_block([k0, k1, x0, x1, x2, x3]: [u32; 6]) -> [u32; 4] {
    philox4x32(k0, k1, [x0, x1, x2, x3])
}
