//! Float max/min folds on integer keys.
//!
//! A NaN-propagating float max (`nan_max`) needs a NaN test and a signed-zero rule besides the
//! compare, and a fold over it stays scalar. Mapping each float to an integer whose order is
//! the float order (-0 below +0) turns the fold into an integer max, and a second integer max
//! over the magnitudes' bits tells whether a NaN was seen (a NaN's magnitude bits exceed
//! infinity's). Both are plain integer reductions, which the compiler vectorises. The result
//! is the value a `nan_max`/`nan_min` fold gives, any NaN coming out as the canonical NaN.

use super::reduce::RowFold;
use half::{bf16, f16};
use num_traits::Float;
use std::marker::PhantomData;

/// A float type with an order-preserving signed-integer key.
pub(crate) trait OrderKey: Float + Sync {
    /// The key type: a signed integer of the float's width.
    type Key: Copy + Ord + Send + Sync;
    /// The key: integer order equals float order for non-NaN values, with -0 below +0.
    fn key(self) -> Self::Key;
    /// The bits with the sign cleared (as an integer; above [`Self::INF_MAGNITUDE`] for NaN).
    fn magnitude(self) -> Self::Key;
    /// Infinity's magnitude bits.
    const INF_MAGNITUDE: Self::Key;
    /// The value whose key is `k`.
    fn from_key(k: Self::Key) -> Self;
    /// The result of a fold: NaN if the largest magnitude seen is a NaN's, else `key`'s value.
    #[inline(always)]
    fn from_fold((key, magnitude): (Self::Key, Self::Key)) -> Self {
        if magnitude > Self::INF_MAGNITUDE {
            Self::nan()
        } else {
            Self::from_key(key)
        }
    }
}

/// Flips all bits but the sign of a negative key (its own inverse: the sign bit stays).
macro_rules! flip_negative {
    ($k:expr, $key:ty, $bits:ty) => {{
        let k: $key = $k;
        k ^ (((k >> (<$key>::BITS - 1)) as $bits) >> 1) as $key
    }};
}

macro_rules! order_key {
    ($t:ty, $key:ty, $bits:ty, $to_bits:expr, $from_bits:expr) => {
        impl OrderKey for $t {
            type Key = $key;
            const INF_MAGNITUDE: $key = <$t>::INFINITY.to_bits() as $key;
            #[inline(always)]
            fn key(self) -> $key {
                // Negative floats order backwards as integers: flip all bits but the sign.
                flip_negative!($to_bits(self) as $key, $key, $bits)
            }
            #[inline(always)]
            fn magnitude(self) -> $key {
                $to_bits(self) as $key & <$key>::MAX
            }
            #[inline(always)]
            fn from_key(k: $key) -> $t {
                $from_bits(flip_negative!(k, $key, $bits) as $bits)
            }
        }
    };
}

order_key!(f16, i16, u16, f16::to_bits, f16::from_bits);
order_key!(bf16, i16, u16, bf16::to_bits, bf16::from_bits);
order_key!(f32, i32, u32, f32::to_bits, f32::from_bits);
order_key!(f64, i64, u64, f64::to_bits, f64::from_bits);

/// The accumulator of a max or min fold: the extreme key and the largest magnitude bits.
pub(crate) type KeyFold<T> = (<T as OrderKey>::Key, <T as OrderKey>::Key);

/// The start of a max fold (the key of -inf; no magnitude seen).
#[inline(always)]
pub(crate) fn max_start<T: OrderKey>() -> KeyFold<T> {
    (T::neg_infinity().key(), T::zero().magnitude())
}

/// The start of a min fold (the key of +inf; no magnitude seen).
#[inline(always)]
pub(crate) fn min_start<T: OrderKey>() -> KeyFold<T> {
    (T::infinity().key(), T::zero().magnitude())
}

/// One step of a max fold.
#[inline(always)]
pub(crate) fn max_step<T: OrderKey>((k, m): KeyFold<T>, v: T) -> KeyFold<T> {
    (k.max(v.key()), m.max(v.magnitude()))
}

/// One step of a min fold.
#[inline(always)]
pub(crate) fn min_step<T: OrderKey>((k, m): KeyFold<T>, v: T) -> KeyFold<T> {
    (k.min(v.key()), m.max(v.magnitude()))
}

/// Joins two max folds.
#[inline(always)]
pub(crate) fn max_join<T: OrderKey>((k, m): KeyFold<T>, (k2, m2): KeyFold<T>) -> KeyFold<T> {
    (k.max(k2), m.max(m2))
}

/// Joins two min folds.
#[inline(always)]
pub(crate) fn min_join<T: OrderKey>((k, m): KeyFold<T>, (k2, m2): KeyFold<T>) -> KeyFold<T> {
    (k.min(k2), m.max(m2))
}

/// A NaN-propagating max (`MAX = true`) or min fold of rows; [`OrderKey::from_fold`] gives
/// its value.
pub(crate) struct ExtremeKeys<T, const MAX: bool>(PhantomData<T>);

/// The max fold of rows.
pub(crate) type MaxKeys<T> = ExtremeKeys<T, true>;

/// The min fold of rows.
pub(crate) type MinKeys<T> = ExtremeKeys<T, false>;

impl<T, const MAX: bool> ExtremeKeys<T, MAX> {
    /// The fold.
    pub(crate) fn new() -> Self {
        ExtremeKeys(PhantomData)
    }
}

// Integer max and min are exact in any order, so a plain loop (which the compiler vectorises
// with several accumulators) gives the same result as any other fold order.
impl<T: OrderKey, const MAX: bool> RowFold<T> for ExtremeKeys<T, MAX> {
    type Acc = KeyFold<T>;
    fn init(&self) -> KeyFold<T> {
        if MAX {
            max_start::<T>()
        } else {
            min_start::<T>()
        }
    }
    #[inline(always)]
    fn fold(&self, row: &[T]) -> KeyFold<T> {
        let (mut k, mut m) = self.init();
        for &v in row {
            k = if MAX { k.max(v.key()) } else { k.min(v.key()) };
            m = m.max(v.magnitude());
        }
        (k, m)
    }
    fn combine(&self, a: KeyFold<T>, b: KeyFold<T>) -> KeyFold<T> {
        if MAX {
            max_join::<T>(a, b)
        } else {
            min_join::<T>(a, b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prims::binary::{nan_max, nan_min};

    /// Keys order like the floats, and key folds give what `nan_max`/`nan_min` folds give.
    #[test]
    fn key_folds_equal_nan_max_and_nan_min_folds() {
        let specials = [
            f32::NEG_INFINITY,
            -f32::MAX,
            -1.5,
            -f32::MIN_POSITIVE,
            -1e-45,
            -0.0,
            0.0,
            1e-45,
            f32::MIN_POSITIVE,
            2.25,
            f32::MAX,
            f32::INFINITY,
        ];
        for w in specials.windows(2) {
            assert!(w[0].key() < w[1].key(), "{} < {}", w[0], w[1]);
        }
        let max_of = |xs: &[f32]| f32::from_fold(MaxKeys::new().fold(xs));
        let min_of = |xs: &[f32]| f32::from_fold(MinKeys::new().fold(xs));
        for &a in &specials {
            assert_eq!(f32::from_key(a.key()).to_bits(), a.to_bits());
            assert_eq!(
                f64::from_key((a as f64).key()).to_bits(),
                (a as f64).to_bits()
            );
            for &b in &specials {
                assert_eq!(
                    max_of(&[a, b]).to_bits(),
                    nan_max(a, b).to_bits(),
                    "max({a}, {b})"
                );
                assert_eq!(
                    min_of(&[a, b]).to_bits(),
                    nan_min(a, b).to_bits(),
                    "min({a}, {b})"
                );
            }
            for nan in [f32::NAN, -f32::NAN, f32::from_bits(0x7f80_0001)] {
                assert!(max_of(&[a, nan]).is_nan() && max_of(&[nan, a]).is_nan());
                assert!(min_of(&[a, nan]).is_nan() && min_of(&[nan, a]).is_nan());
            }
        }
        assert_eq!(max_of(&[]), f32::NEG_INFINITY);
        assert_eq!(min_of(&[]), f32::INFINITY);
        let zeros = [f16::from_f32(-0.0), f16::from_f32(0.0)];
        assert_eq!(f16::from_fold(MaxKeys::new().fold(&zeros)).to_bits(), 0);
        let (lo, hi) = (
            max_step::<f32>(max_start::<f32>(), -2.0),
            max_step::<f32>(max_start::<f32>(), f32::NAN),
        );
        let split = max_join::<f32>(lo, hi);
        assert!(f32::from_fold(split).is_nan());
        let (lo, hi) = (
            min_step::<f64>(min_start::<f64>(), -2.0),
            min_step::<f64>(min_start::<f64>(), 3.0),
        );
        let split = min_join::<f64>(lo, hi);
        assert_eq!(f64::from_fold(split), -2.0);
    }
}
