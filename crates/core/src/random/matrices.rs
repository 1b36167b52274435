//! Matrix-valued samplers: `jax.random.orthogonal` (QR of a normal matrix with the sign fix)
//! and `jax.random.multivariate_normal` (a Cholesky, eigh or SVD factor of the covariance
//! applied to standard normals).

use super::key::Key;
use super::normal::normal;
use super::ops::check_float;
use crate::array::{Array, DType, Shape};
use crate::numpy as jnp;

/// Haar-distributed orthogonal matrices (`jax.random.orthogonal(key, n, shape, dtype, m)`):
/// shape `shape + (n, m)` (`m = n` when `None`), with orthonormal columns when `n >= m` and
/// orthonormal rows otherwise.
///
/// As JAX: a `(max(n, m), min(n, m))` standard normal matrix `z`, its reduced QR `z = q r`,
/// and `q` times the signs of `r`'s diagonal (transposed when `n < m`).
///
/// ```
/// use equinox_core::{numpy as jnp, random, DType};
/// let q = random::orthogonal(random::key(0), 3, [], DType::F32, None);
/// let qtq = jnp::matmul(&q.t(), &q);
/// assert!(jnp::allclose(&qtq, &jnp::eye(3), 1e-5, 1e-5).item::<bool>());
/// ```
pub fn orthogonal(
    key: Key,
    n: usize,
    shape: impl Into<Shape>,
    dtype: DType,
    m: Option<usize>,
) -> Array {
    check_float("orthogonal", dtype);
    let m = m.unwrap_or(n);
    let mut full: Vec<usize> = shape.into().to_vec();
    full.extend([n.max(m), n.min(m)]);
    let z = normal(key, full, dtype);
    let (q, r) = jnp::linalg::qr(&z);
    let d = jnp::linalg::diagonal(&r, 0);
    let x = &q * &jnp::expand_dims(&jnp::sign(&d), -2);
    if n < m {
        jnp::swapaxes(&x, -1, -2)
    } else {
        x
    }
}

/// How [`multivariate_normal`] factors the covariance (JAX's `method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CovFactor {
    /// The Cholesky factor (JAX's default, `"cholesky"`).
    #[default]
    Cholesky,
    /// `v * sqrt(w)` from the eigendecomposition (`"eigh"`).
    Eigh,
    /// `u * sqrt(s)` from the SVD (`"svd"`).
    Svd,
}

/// Multivariate normal samples (`jax.random.multivariate_normal(key, mean, cov, shape, dtype,
/// method)`): `mean + factor @ z` for standard normal `z` of shape `shape + (n,)`, where
/// `mean` is `(..., n)`, `cov` is `(..., n, n)` and `shape` defaults to the broadcast of their
/// batch shapes.
///
/// ```
/// use equinox_core::{random, Array, DType};
/// let mean = Array::from_vec(vec![1.0f32, -1.0], [2]);
/// let cov = Array::from_vec(vec![2.0f32, 0.5, 0.5, 1.0], [2, 2]);
/// let x = random::multivariate_normal(random::key(0), &mean, &cov, Some([4].into()), DType::F32, Default::default());
/// assert_eq!(x.shape(), &[4, 2]);
/// ```
pub fn multivariate_normal(
    key: Key,
    mean: &Array,
    cov: &Array,
    shape: Option<Shape>,
    dtype: DType,
    method: CovFactor,
) -> Array {
    check_float("multivariate_normal", dtype);
    if mean.ndim() < 1 {
        panic!(
            "multivariate_normal requires mean.ndim >= 1, got mean.ndim == {}",
            mean.ndim()
        );
    }
    if cov.ndim() < 2 {
        panic!(
            "multivariate_normal requires cov.ndim >= 2, got cov.ndim == {}",
            cov.ndim()
        );
    }
    let n = mean.shape()[mean.ndim() - 1];
    if cov.shape()[cov.ndim() - 2..] != [n, n] {
        panic!(
            "multivariate_normal requires cov.shape == (..., n, n) for n={n}, but got \
             cov.shape == {}.",
            cov.shape_obj()
        );
    }
    let mean = mean.astype(dtype);
    let cov = cov.astype(dtype);
    let shape = shape.unwrap_or_else(|| {
        let a = jnp::zeros_dtype(mean.shape()[..mean.ndim() - 1].to_vec(), DType::Bool);
        let b = jnp::zeros_dtype(cov.shape()[..cov.ndim() - 2].to_vec(), DType::Bool);
        super::param_shape(&[&a, &b])
    });
    let factor = match method {
        CovFactor::Cholesky => jnp::linalg::cholesky(&cov),
        CovFactor::Eigh => {
            let (w, v) = jnp::linalg::eigh(&cov);
            &v * &jnp::expand_dims(&jnp::sqrt(&w), -2)
        }
        CovFactor::Svd => {
            let (u, s, _) = jnp::linalg::svd(&cov);
            &u * &jnp::expand_dims(&jnp::sqrt(&s), -2)
        }
    };
    let mut z_shape = shape.to_vec();
    z_shape.push(n);
    let z = normal(key, z_shape, dtype);
    &mean + &jnp::einsum("...ij,...j->...i", &[&factor, &z])
}
