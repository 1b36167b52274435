//! Pseudo-random numbers that match `jax.random` bit for bit.
//!
//! The generator is JAX's default: counter-based Threefry-2x32 in *partitionable* mode (JAX's
//! default since 0.5), with 32-bit keys as `jax.random.PRNGKey` makes them in JAX's default
//! (non-x64) mode. JAX's original scheme (`jax_threefry_partitionable=False`) is available per
//! key with [`Key::with_mode`]`(`[`Mode::Legacy`]`)`. JAX's other implementations (`rbg`,
//! `unsafe_rbg`, `philox2x32`, `philox4x32`, `threefry4x32`; see [`PrngImpl`]) come from
//! [`key_with_options`], and every sampler draws their numbers too. The same seed gives the
//! same numbers as JAX on CPU, so a model initialised here equals the one Equinox initialises
//! in Python from the same key:
//!
//! * keys, [`split`], [`fold_in`], [`bits`], [`uniform`] (float16/bfloat16/float32/float64),
//!   [`bernoulli`], [`randint`], [`permutation`], [`choice`], [`choice_array`] and
//!   [`categorical`] are bit-exact;
//! * [`normal`] and [`truncated_normal`] (via `erf_inv`) are bit-exact for the large majority of
//!   float32 draws and otherwise within 3 ulp; transcendental samplers ([`gumbel`],
//!   [`exponential`], [`laplace`], [`logistic`], [`cauchy`], [`pareto`], [`weibull_min`],
//!   [`rayleigh`], [`wald`], [`triangular`], [`lognormal`], [`maxwell`],
//!   [`double_sided_maxwell`]) follow JAX's formulas step for step and are within a few ulp;
//!   [`rademacher`], [`geometric`] and [`poisson`] (JAX's Knuth and transformed-rejection
//!   loops) are exact;
//! * [`gamma`] and [`loggamma`] run JAX's Marsaglia-Tsang loops draw for draw (float32 within a
//!   few ulp), and so do the distributions built on them ([`beta`], [`dirichlet`],
//!   [`chisquare`], [`t`], [`f`], [`generalized_normal`], [`ball`]);
//! * [`binomial`] runs JAX's inversion and transformed-rejection (BTRS) loops draw for draw
//!   (equal to JAX's float32 samples on the goldens), and [`multinomial`] its sequence of
//!   binomials; [`orthogonal`] and [`multivariate_normal`] follow JAX's QR / Cholesky / eigh /
//!   SVD constructions (equal up to the decompositions' rounding, and for eigh and SVD up to
//!   the eigenvectors' signs).
//!
//! Keys are values: every sampler takes its [`Key`] by value, so reusing a consumed key is a
//! compile error, and new keys come from [`split`] / [`split_into`] / [`fold_in`].
//!
//! ```
//! use equinox_core::{random, DType};
//!
//! let key = random::key(0);
//! let [k_w, k_b] = random::split_into(key);
//! let w = random::normal(k_w, [3, 2], DType::F32);
//! let b = random::uniform(k_b, [2], DType::F32, -1.0, 1.0);
//! assert_eq!(w.shape(), &[3, 2]);
//! // The same numbers as jax.random.normal(jax.random.split(jax.random.PRNGKey(0))[0], (3, 2)).
//! assert!(b.to_vec::<f32>().iter().all(|v| (-1.0..1.0).contains(v)));
//! ```
//!
//! Every sampler is written with primitives (`threefry2x32`, `iota_2x32_shape`, integer and
//! float elementwise ops, `slice`, `concatenate`, `gather`, `sort`, `top_k`, ...) through
//! [`crate::prims::bind`], so sampling works under the transformations like any other
//! computation. Samplers take a single key (key data of shape `(k,)`, `k` the implementation's
//! key size); a batch of keys (shape `(..., k)`) comes from [`split`] and is meant for `vmap`.

mod binomial;
mod bits;
mod continuous;
mod discrete;
mod distributions;
mod gamma;
mod gamma_derived;
mod key;
mod matrices;
mod normal;
mod ops;
mod permutation;
mod poisson;
mod prng_impl;
mod uniform;

pub use binomial::{binomial, multinomial};
pub use bits::{bits, bits_u16, bits_u64, bits_u8};
pub use continuous::{
    cauchy, double_sided_maxwell, lognormal, maxwell, pareto, rayleigh, triangular, wald,
    weibull_min,
};
pub use discrete::{
    bernoulli, categorical, choice, choice_array, choice_array_with_options, choice_with_options,
    geometric, rademacher, randint, ChoiceOptions,
};
pub use distributions::{exponential, gumbel, laplace, logistic};
pub use gamma::{gamma, loggamma};
pub use gamma_derived::{ball, beta, chisquare, dirichlet, f, generalized_normal, param_shape, t};
pub use key::{
    clone, fold_in, key, key_data, key_dtype, key_impl, key_with_options, key_x64, prng_key, split,
    split_into, split_vec, wrap_key_data, wrap_key_data_with_impl, Key, KeyDType, KeyOptions, Mode,
};
pub use matrices::{multivariate_normal, orthogonal, CovFactor};
pub use normal::{normal, truncated_normal};
pub use permutation::{permutation, permutation_array};
pub use poisson::poisson;
pub use prng_impl::PrngImpl;
pub use uniform::uniform;
