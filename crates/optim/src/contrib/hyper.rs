//! What the contrib optimisers share: hyperparameters that are a constant or a schedule, and
//! Optax's tree helpers they use (`optax.tree.dtype`, `vdot`, `sum`).

use equinox_core::promote_types;
use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};

use crate::base::Either;
use crate::ScalarOrSchedule;

/// A hyperparameter that is a constant (`f64`, `f32`) or a schedule of the step count (any
/// `Fn(&Array) -> Array`): Optax's `ScalarOrSchedule` where the contrib optimisers read its
/// value themselves (AdEMAMix's `b3` and `alpha`, schedule-free's and Prodigy's learning
/// rate).
pub trait Hyperparameter {
    /// The value at step `count`: a constant stays a Python float (arithmetic between
    /// constants happens in double precision, as in Optax), a schedule gives an array.
    fn value_at(&self, count: &Array) -> HyperValue;
}

/// The value of a [`Hyperparameter`] at one step.
#[derive(Clone, Debug)]
pub enum HyperValue {
    /// A constant: a Python float.
    Constant(f64),
    /// A schedule's value: an array.
    Array(Array),
}

impl HyperValue {
    /// The value as an array (a weakly typed scalar for a constant), for array arithmetic.
    pub fn to_array(&self) -> Array {
        match self {
            HyperValue::Constant(c) => Array::weak_scalar(*c),
            HyperValue::Array(a) => a.clone(),
        }
    }
}

impl Hyperparameter for f64 {
    fn value_at(&self, _: &Array) -> HyperValue {
        HyperValue::Constant(*self)
    }
}

impl Hyperparameter for f32 {
    fn value_at(&self, _: &Array) -> HyperValue {
        HyperValue::Constant(f64::from(*self))
    }
}

impl<F: Fn(&Array) -> Array> Hyperparameter for F {
    fn value_at(&self, count: &Array) -> HyperValue {
        HyperValue::Array(self(count))
    }
}

impl<A: Hyperparameter, B: Hyperparameter> Hyperparameter for Either<A, B> {
    fn value_at(&self, count: &Array) -> HyperValue {
        match self {
            Either::Left(a) => a.value_at(count),
            Either::Right(b) => b.value_at(count),
        }
    }
}

/// One of two learning rates scales as that one does (schedule-free's constant learning rate
/// or its warmup schedule).
impl<A: ScalarOrSchedule, B: ScalarOrSchedule> ScalarOrSchedule for Either<A, B> {
    type ByLearningRate = Either<A::ByLearningRate, B::ByLearningRate>;

    fn scale_by_learning_rate(self, flip_sign: bool) -> Self::ByLearningRate {
        match self {
            Either::Left(a) => Either::Left(a.scale_by_learning_rate(flip_sign)),
            Either::Right(b) => Either::Right(b.scale_by_learning_rate(flip_sign)),
        }
    }
}

/// `(1 - decay) * g**order + decay * t` per leaf (`optax.tree.update_moment`) with a decay
/// that is a constant (computed as Python does) or an array.
pub(crate) fn update_moment_hyper<P: PyTree>(
    updates: &P,
    moments: &P,
    decay: &HyperValue,
    order: i32,
) -> P {
    match decay {
        HyperValue::Constant(d) => crate::numerics::update_moment(updates, moments, *d, order),
        HyperValue::Array(d) => tree::map2(updates, moments, |g, t| {
            (1 - d) * jnp::integer_pow(g, order) + d * t
        }),
    }
}

/// The lowest (`lowest = true`) or highest dtype of the present leaves under promotion
/// (`optax.tree.dtype(tree, "lowest" | "highest")`); `float32` for a tree without leaves.
pub(crate) fn tree_dtype<P: PyTree>(tree: &P, lowest: bool) -> DType {
    tree::leaves(tree)
        .into_iter()
        .map(Array::dtype)
        .reduce(|a, b| {
            let promoted = promote_types(a, b);
            assert!(
                promoted == a || promoted == b,
                "tree_dtype: the dtypes {a} and {b} of the tree's leaves cannot be promoted to \
                 one another"
            );
            match (promoted == b, lowest) {
                (true, true) | (false, false) => a,
                (true, false) | (false, true) => b,
            }
        })
        .unwrap_or(DType::F32)
}

/// The inner product of two trees, leaf by leaf (a full `tensordot`) then summed from a weak
/// 0 (`optax.tree.vdot`).
pub(crate) fn tree_vdot<P: PyTree>(a: &P, b: &P) -> Array {
    let bs = tree::leaves(b);
    tree::leaves(a)
        .into_iter()
        .zip(bs)
        .fold(Array::weak_scalar(0i32), |acc, (x, y)| {
            acc + jnp::tensordot(x, y, x.ndim())
        })
}

/// The sum of every element of a tree: `jnp.sum` per leaf, then summed from a weak 0
/// (`optax.tree.sum`).
pub(crate) fn tree_sum<P: PyTree>(t: &P) -> Array {
    tree::leaves(t)
        .into_iter()
        .fold(Array::weak_scalar(0i32), |acc, x| acc + jnp::sum(x, ()))
}

/// `x / d` for a scalar `d` broadcast over `x`, as XLA computes it on the CPU: XLA rewrites a
/// division by a broadcast into a multiplication by the broadcast reciprocal, so the result is
/// `x * (1 / d)` with the reciprocal rounded in `x`'s dtype, not the correctly rounded
/// quotient (they differ by an ulp for about a quarter of float32 inputs). A scalar `x` is
/// divided exactly, as XLA does when nothing is broadcast.
pub(crate) fn div_by_broadcast(x: &Array, d: &Array) -> Array {
    if x.ndim() == 0 {
        return x / d;
    }
    let d = d.astype(x.dtype());
    x * &jnp::reciprocal(&d)
}

/// `t / (1 - decay**count)` per leaf (`optax.tree.bias_correction`), dividing by the
/// broadcast correction as XLA does ([`div_by_broadcast`]).
pub(crate) fn bias_correction_xla<P: PyTree>(moment: &P, decay: f64, count: &Array) -> P {
    let correction = 1 - jnp::power(&Array::weak_scalar(decay), count);
    tree::map(moment, |t| div_by_broadcast(t, &correction))
}
