//! Elements as little-endian bytes: what `.npy` records and safetensors store, and how the
//! StableHLO lowering writes constants exactly. Below `numpy` so the core's layers can use it.

use crate::array::Array;
use half::{bf16, f16};

/// An element type stored little-endian on disk.
pub(crate) trait LeBytes: Copy {
    /// Bytes per element.
    const SIZE: usize;
    /// Appends the element's little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
    /// Reads an element from exactly `SIZE` little-endian bytes.
    fn get(bytes: &[u8]) -> Self;
    /// Reads an element from exactly `SIZE` big-endian bytes.
    fn get_be(bytes: &[u8]) -> Self {
        let mut swapped = [0u8; 16];
        let s = &mut swapped[..Self::SIZE];
        s.copy_from_slice(bytes);
        s.reverse();
        Self::get(s)
    }
}

macro_rules! impl_le_bytes {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(bytes: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(bytes);
                <$t>::from_le_bytes(b)
            }
        }
    )*};
}
impl_le_bytes!(u8, u16, u32, u64, i8, i16, i32, i64, f16, bf16, f32, f64);

/// An 8-bit float is its one code byte.
macro_rules! impl_le_bytes_float8 {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            const SIZE: usize = 1;
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.push(self.to_bits());
            }
            #[inline]
            fn get(bytes: &[u8]) -> Self {
                <$t>::from_bits(bytes[0])
            }
        }
    )*};
}
impl_le_bytes_float8!(
    crate::Float4E2M1Fn,
    crate::Float8E3M4,
    crate::Float8E4M3,
    crate::Float8E4M3B11Fnuz,
    crate::Float8E4M3Fn,
    crate::Float8E4M3Fnuz,
    crate::Float8E5M2,
    crate::Float8E5M2Fnuz,
    crate::Float8E8M0Fnu
);

/// A complex number is its real part then its imaginary part, each in the part's byte order
/// (numpy's `<c8`/`<c16`).
macro_rules! impl_le_bytes_complex {
    ($($t:ty => $part:ty),*) => {$(
        impl LeBytes for $t {
            const SIZE: usize = 2 * std::mem::size_of::<$part>();
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                self.re.put(out);
                self.im.put(out);
            }
            #[inline]
            fn get(bytes: &[u8]) -> Self {
                let (re, im) = bytes.split_at(Self::SIZE / 2);
                <$t>::new(<$part>::get(re), <$part>::get(im))
            }
            fn get_be(bytes: &[u8]) -> Self {
                let (re, im) = bytes.split_at(Self::SIZE / 2);
                <$t>::new(<$part>::get_be(re), <$part>::get_be(im))
            }
        }
    )*};
}
impl_le_bytes_complex!(crate::Complex32 => f32, crate::Complex64 => f64);

impl LeBytes for bool {
    const SIZE: usize = 1;
    #[inline]
    fn put(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
    #[inline]
    fn get(bytes: &[u8]) -> Self {
        // numpy stores 0 and 1; like a C bool, any other byte reads as true.
        bytes[0] != 0
    }
}

/// The array's elements as little-endian bytes in row-major order: a `.npy` record's data, and
/// what safetensors stores.
///
/// Panics if `a` is a filtered-out placeholder or a tracer (it has no data).
pub fn to_le_bytes(a: &Array) -> Vec<u8> {
    crate::with_storage!(a.storage(), v => {
        let mut out = Vec::with_capacity(v.len() * a.dtype().size_in_bytes());
        for &x in v.iter() {
            x.put(&mut out);
        }
        out
    })
}
