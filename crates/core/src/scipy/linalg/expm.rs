//! `jax.scipy.linalg.expm`: the matrix exponential by Padé approximation with scaling and
//! squaring (Higham 2005, as JAX implements it). Built from matrix products, a solve and
//! `lax` control flow, so it is differentiated, batched and compiled like any other function;
//! its derivative is the Fréchet derivative of the same approximation, as in JAX.

use super::solve_triangular;
use crate::array::{Array, DType};
use crate::lax;
use crate::numpy::promotion::to_inexact;
use crate::numpy::{self as jnp, linalg};
use crate::transforms::vmap;

/// Options of [`expm_with`] (JAX's keywords and defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpmOptions {
    /// `a` is upper triangular: the Padé denominator is then solved by a triangular solve.
    pub upper_triangular: bool,
    /// The most squarings to undo the scaling; a matrix whose norm needs more gives NaNs.
    pub max_squarings: usize,
}

impl Default for ExpmOptions {
    fn default() -> Self {
        ExpmOptions {
            upper_triangular: false,
            max_squarings: 16,
        }
    }
}

/// `jax.scipy.linalg.expm(a)`: the matrix exponential of each matrix in the last two axes.
/// See [`expm_with`].
///
/// ```
/// use equinox_core::{scipy::linalg, Array};
/// // The exponential of a nilpotent matrix is a finite sum: exp([[0, 1], [0, 0]]) = [[1, 1], [0, 1]].
/// let a = Array::from_vec(vec![0.0f64, 1.0, 0.0, 0.0], [2, 2]);
/// let e = linalg::expm(&a).to_vec::<f64>();
/// assert!((e[0] - 1.0).abs() < 1e-15 && (e[1] - 1.0).abs() < 1e-15);
/// assert!(e[2].abs() < 1e-15 && (e[3] - 1.0).abs() < 1e-15);
/// ```
pub fn expm(a: &Array) -> Array {
    expm_with(a, ExpmOptions::default())
}

/// `jax.scipy.linalg.expm(a, upper_triangular=, max_squarings=)`: `exp(a)` for `a` of shape
/// `[..., n, n]` (integers promote to float). The matrix is scaled by `2^-s` until its 1-norm
/// is small, a diagonal Padé approximant of degree 3, 5, 7, 9 or 13 (float64; up to 7 for
/// float32) chosen from the norm is evaluated, and the result squared `s` times: the same
/// algorithm and thresholds as JAX, so results agree to rounding.
///
/// Panics with JAX's message unless `a` is a (batched) square matrix.
pub fn expm_with(a: &Array, options: ExpmOptions) -> Array {
    let a = to_inexact(a);
    let r = a.ndim();
    if r < 2 || a.shape()[r - 1] != a.shape()[r - 2] {
        panic!(
            "Expected A to be a (batched) square matrix, got A.shape={}.",
            crate::prims::rules::py_tuple(a.shape())
        );
    }
    if r == 2 {
        return expm_matrix(&a, options);
    }
    // JAX vectorises over the batch axes; one vmap over them flattened is the same.
    let n = a.shape()[r - 1];
    let batch: usize = a.shape()[..r - 2].iter().product();
    let flat = jnp::reshape(&a, [batch, n, n]);
    let out = vmap(|x: &Array| expm_matrix(x, options))(&flat);
    jnp::reshape(&out, a.shape())
}

fn expm_matrix(a: &Array, options: ExpmOptions) -> Array {
    let (p, q, n_squarings) = pade_numerator_denominator(a);
    let too_many = jnp::greater(
        &n_squarings,
        &Array::scalar(options.max_squarings as f64).astype(n_squarings.dtype()),
    );
    let r = if options.upper_triangular {
        solve_triangular(&q, &p)
    } else {
        linalg::solve(&q, &p)
    };
    let r = undo_scaling(&r, &n_squarings, options.max_squarings);
    // JAX branches with `lax.cond` here; a select gives the same values and derivatives and
    // keeps the squaring steps' `cond`s out of a nested `cond`, whose reverse mode this
    // crate's cond transposition does not support.
    jnp::where_(&too_many, &jnp::full_like(a, f64::NAN), &r)
}

/// One Padé approximant as a `switch` branch: `(U, V)` of the scaled matrix.
type PadeBranch = dyn Fn(&Array) -> (Array, Array);

/// JAX's `_calc_P_Q`: the numerator `P` and denominator `Q` of the Padé approximant of
/// `exp(a / 2^s)` and the number of squarings `s` (a float scalar).
fn pade_numerator_denominator(a: &Array) -> (Array, Array, Array) {
    let dtype = a.dtype();
    let norm_1 = jnp::max(&jnp::sum(&jnp::abs(a), 0), 0);
    // Higham's θ_m thresholds for the double and single precision unit roundoffs.
    let (max_norm, thresholds, orders): (f64, &[f64], &[usize]) = match dtype {
        DType::F64 => (
            5.371920351148152,
            &[
                1.495585217958292e-2,
                2.53939833006323e-1,
                9.504178996162932e-1,
                2.097847961257068e0,
            ],
            &[3, 5, 7, 9, 13],
        ),
        DType::F32 => (
            3.92572478313866,
            &[4.258730016922831e-1, 1.880152677804762e0],
            &[3, 5, 7],
        ),
        d => panic!("A.dtype={d} is not supported."),
    };
    let zero = Array::scalar(0.0).astype(dtype);
    let n_squarings = jnp::maximum(&zero, &jnp::floor(&jnp::log2(&(&norm_1 / max_norm))));
    let two = Array::scalar(2.0).astype(dtype);
    let scaled = a / &jnp::power(&two, &n_squarings);
    let bins = Array::from_vec(thresholds.to_vec(), [thresholds.len()]).astype(dtype);
    // The degree follows the norm before scaling, as in JAX.
    let index = jnp::digitize(&norm_1, &bins, false);
    let branches: Vec<Box<PadeBranch>> = orders
        .iter()
        .map(|&m| Box::new(move |x: &Array| pade(x, m)) as Box<PadeBranch>)
        .collect();
    let refs: Vec<&PadeBranch> = branches.iter().map(|b| b.as_ref()).collect();
    let (u, v) = lax::switch(&index, &refs, &scaled);
    (&u + &v, &v - &u, n_squarings)
}

/// The coefficients `b_0..=b_m` of the degree-`m` diagonal Padé approximant of `exp`.
fn pade_coefficients(m: usize) -> &'static [f64] {
    match m {
        3 => &[120., 60., 12., 1.],
        5 => &[30240., 15120., 3360., 420., 30., 1.],
        7 => &[
            17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.,
        ],
        9 => &[
            17643225600.,
            8821612800.,
            2075673600.,
            302702400.,
            30270240.,
            2162160.,
            110880.,
            3960.,
            90.,
            1.,
        ],
        13 => &[
            64764752532480000.,
            32382376266240000.,
            7771770303897600.,
            1187353796428800.,
            129060195264000.,
            10559470521600.,
            670442572800.,
            33522128640.,
            1323241920.,
            40840800.,
            960960.,
            16380.,
            182.,
            1.,
        ],
        _ => unreachable!("Padé degrees are 3, 5, 7, 9 and 13"),
    }
}

/// `init + sum_j b[2 j + offset] * powers[j]`, summed left to right from the highest power
/// down (JAX's order of additions, so that rounding agrees).
fn series(init: Option<Array>, b: &[f64], offset: usize, powers: &[&Array]) -> Array {
    powers
        .iter()
        .enumerate()
        .rev()
        .map(|(j, p)| *p * b[2 * j + offset])
        .fold(init, |acc, t| {
            Some(acc.map_or_else(|| t.clone(), |acc| &acc + &t))
        })
        .expect("at least one power")
}

/// JAX's `_pade{m}`: `(U, V)` with the odd part `U` and the even part `V` of the degree-`m`
/// Padé numerator at `a` (the denominator is `V - U`).
fn pade(a: &Array, m: usize) -> (Array, Array) {
    let b = pade_coefficients(m);
    let n = a.shape()[0];
    let ident = jnp::eye(n).astype(a.dtype());
    let a2 = jnp::matmul(a, a);
    let a4 = jnp::matmul(&a2, &a2);
    let a6 = jnp::matmul(&a4, &a2);
    if m == 13 {
        let high = [&a2, &a4, &a6];
        let low = [&ident, &a2, &a4, &a6];
        let u_high = jnp::matmul(&a6, &series(None, b, 9, &high));
        let v_high = jnp::matmul(&a6, &series(None, b, 8, &high));
        let u = jnp::matmul(a, &series(Some(u_high), b, 1, &low));
        return (u, series(Some(v_high), b, 0, &low));
    }
    let mut powers = vec![&ident, &a2, &a4, &a6];
    let a8;
    if m == 9 {
        a8 = jnp::matmul(&a6, &a2);
        powers.push(&a8);
    }
    let powers = &powers[..m.div_ceil(2)];
    (
        jnp::matmul(a, &series(None, b, 1, powers)),
        series(None, b, 0, powers),
    )
}

/// JAX's `_squaring`: `r` squared `n_squarings` times, as `max_squarings` steps each of which
/// squares or passes through (the count is data, the number of steps is not). JAX writes the
/// steps as a `scan`; they are unrolled here because reverse mode through that `scan` (a
/// `cond` in its body) failed in this crate's scan transposition ("carry is not linear").
fn undo_scaling(r: &Array, n_squarings: &Array, max_squarings: usize) -> Array {
    (0..max_squarings).fold(r.clone(), |x, i| {
        let step = Array::scalar(i as f64).astype(n_squarings.dtype());
        let square = jnp::less(&step, n_squarings);
        lax::cond(&square, |x: &Array| jnp::matmul(x, x), Array::clone, &x)
    })
}
