//! Polynomials as coefficient arrays (highest power first), named as in `jax.numpy`: `poly`,
//! `polyadd`, `polysub`, `polymul`, `polydiv`, `polyder`, `polyint`, `polyfit`, `roots`
//! (`polyval` is with the signal functions).

use super::joining::concatenate;
use super::math::{add, negative, subtract};
use super::promotion::{convert, promote_dtypes, to_inexact};
use super::signal::{convolve_with, ConvolveMode};
use crate::array::{Array, DType};
use crate::lax;

fn inexact_pair(a: &Array, b: &Array) -> (Array, Array) {
    let p = promote_dtypes(&[a, b]);
    (to_inexact(&p[0]), to_inexact(&p[1]))
}

fn one_d(p: &Array, op: &str) {
    if p.ndim() != 1 {
        panic!(
            "{op}: expected a 1-d coefficient array, got shape {}",
            p.shape_obj()
        );
    }
}

/// `jnp.poly(seq_of_zeros)`: the coefficients of the monic polynomial with the given roots
/// (a non-empty square matrix stands for its eigenvalues); integers become float.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let c = jnp::poly(&Array::from_vec(vec![1.0f32, 2.0], [2]));
/// assert_eq!(c.to_vec::<f32>(), vec![1.0, -3.0, 2.0]);
/// ```
pub fn poly(seq_of_zeros: &Array) -> Array {
    let mut z = to_inexact(seq_of_zeros);
    if z.ndim() == 0 {
        z = z.reshape([1]);
    }
    if let [n, m] = z.shape()
        && n == m
        && *n != 0
    {
        z = super::linalg::eigvals(&z);
    }
    if z.ndim() != 1 {
        panic!(
            "poly: input must be 1d or non-empty square 2d array, got shape {}",
            seq_of_zeros.shape_obj()
        );
    }
    let dt = z.dtype();
    let n = z.shape()[0];
    if n == 0 {
        return super::creation::ones_dtype([], dt);
    }
    let one = super::creation::ones_dtype([1], dt);
    let mut a = one.clone();
    for k in 0..n {
        let factor = concatenate(
            &[&one, &negative(&lax::slice_in_dim(&z, k, k + 1, 1, 0))],
            0,
        );
        a = convolve_with(&a, &factor, ConvolveMode::Full);
    }
    a
}

/// `jnp.polyadd(a1, a2)`: the sum of two polynomials (the shorter aligned to the end),
/// promoting dtypes.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let s = jnp::polyadd(&Array::from_vec(vec![1i32, 2, 3], [3]), &Array::from_vec(vec![5i32], [1]));
/// assert_eq!(s.to_vec::<i32>(), vec![1, 2, 8]);
/// ```
pub fn polyadd(a1: &Array, a2: &Array) -> Array {
    let p = promote_dtypes(&[a1, a2]);
    let (a1, a2) = (&p[0], &p[1]);
    one_d(a1, "polyadd");
    one_d(a2, "polyadd");
    let (long, short) = if a2.shape()[0] <= a1.shape()[0] {
        (a1, a2)
    } else {
        (a2, a1)
    };
    let (n, m) = (long.shape()[0], short.shape()[0]);
    let head = lax::slice_in_dim(long, 0, n - m, 1, 0);
    let tail = add(&lax::slice_in_dim(long, n - m, n, 1, 0), short);
    lax::concatenate(&[&head, &tail], 0)
}

/// `jnp.polysub(a1, a2)`: `a1 - a2` as polynomials.
pub fn polysub(a1: &Array, a2: &Array) -> Array {
    let p = promote_dtypes(&[a1, a2]);
    polyadd(&p[0], &negative(&p[1]))
}

/// `jnp.polymul(a1, a2)`: the product of two polynomials (integers become float).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let p = jnp::polymul(&Array::from_vec(vec![1.0f32, 1.0], [2]), &Array::from_vec(vec![1.0f32, -1.0], [2]));
/// assert_eq!(p.to_vec::<f32>(), vec![1.0, 0.0, -1.0]);
/// ```
pub fn polymul(a1: &Array, a2: &Array) -> Array {
    let (mut a1, mut a2) = inexact_pair(a1, a2);
    one_d(&a1, "polymul");
    one_d(&a2, "polymul");
    if a1.shape()[0] == 0 {
        a1 = super::creation::zeros_dtype([1], a2.dtype());
    }
    if a2.shape()[0] == 0 {
        a2 = super::creation::zeros_dtype([1], a1.dtype());
    }
    convolve_with(&a1, &a2, ConvolveMode::Full)
}

/// `jnp.polydiv(u, v)`: quotient and remainder of polynomial division (integers become
/// float); the remainder keeps `u`'s length (JAX's `trim_leading_zeros=False`).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let (q, r) = jnp::polydiv(&Array::from_vec(vec![1.0f32, 0.0, -1.0], [3]), &Array::from_vec(vec![1.0f32, 1.0], [2]));
/// assert_eq!(q.to_vec::<f32>(), vec![1.0, -1.0]);
/// assert_eq!(r.to_vec::<f32>(), vec![0.0, 0.0, 0.0]);
/// ```
pub fn polydiv(u: &Array, v: &Array) -> (Array, Array) {
    let (mut u, v) = inexact_pair(u, v);
    one_d(&u, "polydiv");
    one_d(&v, "polydiv");
    let m = u.shape()[0] as isize - 1;
    let n = v.shape()[0] as isize - 1;
    if n < 0 {
        panic!("polydiv: the divisor must have at least one coefficient");
    }
    let n = n as usize;
    let scale = super::math::divide(
        &convert(&Array::scalar(1.0f32), v.dtype(), true),
        &lax::slice_in_dim(&v, 0, 1, 1, 0),
    );
    let mut q = Vec::new();
    let steps = (m - n as isize + 1).max(0) as usize;
    for k in 0..steps {
        let d = &scale * &lax::slice_in_dim(&u, k, k + 1, 1, 0);
        q.push(d.clone());
        let len = u.shape()[0];
        let mid = subtract(&lax::slice_in_dim(&u, k, k + n + 1, 1, 0), &(&d * &v));
        u = lax::concatenate(
            &[
                &lax::slice_in_dim(&u, 0, k, 1, 0),
                &mid,
                &lax::slice_in_dim(&u, k + n + 1, len, 1, 0),
            ],
            0,
        );
    }
    let q = if q.is_empty() {
        super::creation::zeros_dtype([1], u.dtype())
    } else {
        lax::concatenate(&q.iter().collect::<Vec<_>>(), 0)
    };
    (q, u)
}

/// `jnp.polyder(p)`: the derivative of a polynomial (integers become float).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let d = jnp::polyder(&Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]));
/// assert_eq!(d.to_vec::<f32>(), vec![2.0, 2.0]);
/// ```
pub fn polyder(p: &Array) -> Array {
    polyder_with(p, 1)
}

/// `jnp.polyder(p, m)`: the `m`-th derivative.
pub fn polyder_with(p: &Array, m: usize) -> Array {
    let p = to_inexact(p);
    one_d(&p, "polyder");
    if m == 0 {
        return p;
    }
    let len = p.shape()[0];
    if m >= len {
        return super::creation::zeros_dtype([0], p.dtype());
    }
    // Coefficient of x^j in the derivative: prod_{i < m} (j + m - i), highest power first.
    let coeff: Vec<f64> = (0..len - m)
        .rev()
        .map(|j| (0..m).map(|i| (j + m - i) as f64).product())
        .collect();
    let c = convert(&Array::from_vec(coeff, [len - m]), p.dtype(), false);
    &lax::slice_in_dim(&p, 0, len - m, 1, 0) * &c
}

/// `jnp.polyint(p)`: the antiderivative with constant 0 (integers become float).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let i = jnp::polyint(&Array::from_vec(vec![3.0f32, 2.0], [2]));
/// assert_eq!(i.to_vec::<f32>(), vec![1.5, 2.0, 0.0]);
/// ```
pub fn polyint(p: &Array) -> Array {
    polyint_with(p, 1, None)
}

/// `jnp.polyint(p, m, k)`: the `m`-th antiderivative; `k` holds the integration constants (a
/// scalar or one per integration, the first for the innermost; `None`: zeros).
pub fn polyint_with(p: &Array, m: usize, k: Option<&Array>) -> Array {
    let zero = Array::weak_scalar(0i32);
    let (p, k) = inexact_pair(p, k.unwrap_or(&zero));
    one_d(&p, "polyint");
    let k = if k.ndim() == 0 { k.reshape([1]) } else { k };
    let k = if k.shape() == [1] {
        super::manipulation::broadcast_to(&k, [m])
    } else {
        k
    };
    if k.shape() != [m] {
        panic!(
            "polyint: k must be a scalar or a rank-1 array of length 1 or m (m = {m}), got shape {}",
            k.shape_obj()
        );
    }
    if m == 0 {
        return p;
    }
    let len = p.shape()[0] + m;
    // Divisor of position t (highest power first): prod_{i < m} max(1, (len - 1 - t) - i).
    let coeff: Vec<f64> = (0..len)
        .map(|t| {
            let g = len - 1 - t;
            (0..m).map(|i| (g as f64 - i as f64).max(1.0)).product()
        })
        .collect();
    let c = convert(&Array::from_vec(coeff, [len]), p.dtype(), false);
    super::math::divide(&lax::concatenate(&[&p, &k], 0), &c)
}

/// Options of [`polyfit_with`]: JAX's defaults are `rcond = len(x) * eps` and no weights.
#[derive(Clone, Debug, Default)]
pub struct PolyfitOptions {
    /// Relative cutoff for small singular values (`None`: `len(x) * eps`).
    pub rcond: Option<f64>,
    /// Weights applied to the residuals (1-d, one per sample).
    pub w: Option<Array>,
}

/// `jnp.polyfit(x, y, deg)`: the least-squares polynomial of degree `deg` through the points
/// `(x, y)` (`y` 1-d, or 2-d with one fit per column), highest power first.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], [4]);
/// let y = Array::from_vec(vec![1.0f32, 3.0, 5.0, 7.0], [4]);
/// let c = jnp::polyfit(&x, &y, 1).to_vec::<f32>();
/// assert!((c[0] - 2.0).abs() < 1e-4 && (c[1] - 1.0).abs() < 1e-4);
/// ```
pub fn polyfit(x: &Array, y: &Array, deg: usize) -> Array {
    polyfit_with(x, y, deg, PolyfitOptions::default())
}

/// `jnp.polyfit(x, y, deg, rcond, w=)` (JAX's `full=False, cov=False`).
pub fn polyfit_with(x: &Array, y: &Array, deg: usize, options: PolyfitOptions) -> Array {
    let order = deg + 1;
    if x.ndim() != 1 {
        panic!(
            "polyfit: expected 1D vector for x, got shape {}",
            x.shape_obj()
        );
    }
    if x.size() == 0 {
        panic!("polyfit: expected non-empty vector for x");
    }
    if y.ndim() < 1 || y.ndim() > 2 {
        panic!(
            "polyfit: expected 1D or 2D array for y, got shape {}",
            y.shape_obj()
        );
    }
    if x.shape()[0] != y.shape()[0] {
        panic!(
            "polyfit: expected x and y to have same length, got shapes {} and {}",
            x.shape_obj(),
            y.shape_obj()
        );
    }
    let eps = match to_inexact(x).dtype() {
        DType::F64 => f64::EPSILON,
        DType::F16 => 0.0009765625,
        DType::BF16 => 0.0078125,
        _ => f64::from(f32::EPSILON),
    };
    let rcond = options.rcond.unwrap_or(x.shape()[0] as f64 * eps);
    let mut lhs = super::matrices::vander_with(x, Some(order), false);
    let mut rhs = y.clone();
    if let Some(w) = &options.w {
        let w = to_inexact(w);
        if w.ndim() != 1 || w.shape()[0] != y.shape()[0] {
            panic!(
                "polyfit: expected a 1-d array for weights of y's length, got shape {}",
                w.shape_obj()
            );
        }
        let col = w.reshape([w.shape()[0], 1]);
        lhs = &lhs * &col;
        rhs = if rhs.ndim() == 2 {
            &rhs * &col
        } else {
            &rhs * &w
        };
    }
    let scale = super::math::sqrt(&super::reductions::sum(&(&lhs * &lhs), 0));
    let lhs = super::math::divide(&lhs, &scale.reshape([1, order]));
    let sol = super::linalg::lstsq_with(
        &lhs,
        &rhs,
        super::linalg::LstsqOptions { rcond: Some(rcond) },
    )
    .x;
    if sol.ndim() > 1 {
        super::math::divide(&sol, &scale.reshape([order, 1]))
    } else {
        super::math::divide(&sol, &scale)
    }
}

/// `jnp.roots(p)`: the roots of a polynomial (leading zeros stripped, so `p` must be
/// concrete), as the eigenvalues of its companion matrix: a complex array (complex64 for
/// float32 coefficients) in [`eigvals`](super::linalg::eigvals)' order.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex32};
/// let r = jnp::roots(&Array::from_vec(vec![0.0f32, 1.0, -3.0, 2.0], [4])).to_vec::<Complex32>();
/// let mut re: Vec<f32> = r.iter().map(|z| z.re).collect();
/// re.sort_by(f32::total_cmp);
/// assert!((re[0] - 1.0).abs() < 1e-5 && (re[1] - 2.0).abs() < 1e-5);
/// ```
pub fn roots(p: &Array) -> Array {
    let mut p = to_inexact(p);
    if p.ndim() == 0 {
        p = p.reshape([1]);
    }
    if p.ndim() != 1 {
        panic!(
            "roots: Input must be a rank-1 array, got shape {}",
            p.shape_obj()
        );
    }
    let complex = if p.dtype() == DType::F64 || p.dtype() == DType::C128 {
        DType::C128
    } else {
        DType::C64
    };
    if p.size() < 2 {
        return super::creation::zeros_dtype([0], complex);
    }
    if !p.is_concrete() {
        panic!(
            "roots: the number of leading zeros of a traced array of shape {} is not known; \
             jnp.roots strips them and needs concrete coefficients",
            p.shape_obj()
        );
    }
    let nz = super::math::not_equal(&p, &convert(&Array::scalar(0i32), p.dtype(), false))
        .to_vec::<bool>();
    let lead = nz.iter().position(|&b| b).unwrap_or(nz.len());
    let p = lax::slice_in_dim(&p, lead, p.shape()[0], 1, 0);
    let n = p.shape()[0];
    if n < 2 {
        return super::creation::zeros_dtype([0], complex);
    }
    // The companion matrix: ones below the diagonal, first row -p[1:] / p[0].
    let first = negative(&super::math::divide(
        &lax::slice_in_dim(&p, 1, n, 1, 0),
        &lax::slice_in_dim(&p, 0, 1, 1, 0),
    ))
    .reshape([1, n - 1]);
    let sub = super::matrices::diag(&super::creation::ones_dtype([n - 2], p.dtype()), -1);
    let a = if n == 2 {
        first
    } else {
        lax::concatenate(&[&first, &lax::slice_in_dim(&sub, 1, n - 1, 1, 0)], 0)
    };
    super::linalg::eigvals(&a).astype(complex)
}
