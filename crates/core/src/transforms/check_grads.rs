//! Numerical checks of derivatives (`jax.test_util.check_grads`).

use super::autodiff::{jvp, vjp};
use crate::array::Array;
use crate::tree::{self, PyTree};

/// A deterministic pseudo-random array like `like` (float dtypes), entries in [-1, 1).
fn direction(like: &Array, seed: &mut u64) -> Array {
    let n = like.size();
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        v.push(((*seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0);
    }
    Array::from_vec(v, like.shape()).astype(like.dtype())
}

fn host(x: &Array) -> Vec<f64> {
    x.to_vec::<f64>()
}

fn assert_close_vec(what: &str, got: &[f64], want: &[f64], rtol: f64, atol: f64) {
    assert_eq!(got.len(), want.len(), "check_grads: {what}: sizes differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g - w).abs() <= atol + rtol * w.abs() || (g.is_nan() && w.is_nan());
        assert!(
            ok,
            "check_grads: {what} differs at element {i}: got {g}, expected {w} (rtol {rtol}, atol {atol})\n got: {got:?}\nwant: {want:?}"
        );
    }
}

/// Checks the forward-mode (`jvp`) and reverse-mode (`vjp`) derivatives of `f` at `x`.
///
/// The JVP along a pseudo-random direction `v` must match the central finite difference
/// `(f(x + eps v) - f(x - eps v)) / (2 eps)`, and the VJP must be its transpose:
/// `<vjp(w), v> == <jvp(v), w>` for a pseudo-random output cotangent `w`. Integer and boolean
/// leaves are held fixed. Use float64 inputs for tight tolerances. Panics with the differing
/// values on failure.
///
/// ```
/// use equinox_core::{transforms::check_grads, Array};
/// let x = Array::from_vec(vec![0.3f64, -1.2, 2.0], [3]);
/// check_grads(|x: &Array| (x.sin() * x).sum(None), &x, 1e-6, 1e-6, 1e-8);
/// ```
pub fn check_grads<T: PyTree, R: PyTree>(
    f: impl Fn(&T) -> R,
    x: &T,
    eps: f64,
    rtol: f64,
    atol: f64,
) {
    let mut seed = 0x5eed_u64;
    let v = tree::map(x, |l| {
        if l.dtype().is_float() {
            direction(l, &mut seed)
        } else {
            crate::prims::ops::zeros_like(l)
        }
    });
    let shifted = |sign: f64| {
        tree::map2(x, &v, |a, d| {
            if a.dtype().is_float() {
                let step = (d * (sign * eps)).astype(a.dtype());
                a + &step
            } else {
                a.clone()
            }
        })
    };
    let plus = f(&shifted(1.0));
    let minus = f(&shifted(-1.0));
    let (_, t) = jvp(&f, x, &v);
    let t_leaves = tree::leaves(&t);
    for (i, ((p, m), tl)) in tree::leaves(&plus)
        .into_iter()
        .zip(tree::leaves(&minus))
        .zip(&t_leaves)
        .enumerate()
    {
        if !p.dtype().is_float() {
            continue;
        }
        let fd: Vec<f64> = host(p)
            .iter()
            .zip(host(m))
            .map(|(a, b)| (a - b) / (2.0 * eps))
            .collect();
        assert_close_vec(
            &format!("jvp of output leaf {i} vs finite differences"),
            &host(tl),
            &fd,
            rtol,
            atol,
        );
    }
    let (out, pullback) = vjp(&f, x);
    let w = tree::map(&out, |l| {
        if l.dtype().is_float() {
            direction(l, &mut seed)
        } else {
            crate::prims::ops::zeros_like(l)
        }
    });
    let g = pullback.transpose(&w);
    let dot = |a: &[&Array], b: &[&Array]| -> f64 {
        a.iter()
            .zip(b)
            .filter(|(x, _)| x.dtype().is_float())
            .map(|(x, y)| host(x).iter().zip(host(y)).map(|(p, q)| p * q).sum::<f64>())
            .sum()
    };
    let lhs = dot(&tree::leaves(&g), &tree::leaves(&v));
    let rhs = dot(&t_leaves, &tree::leaves(&w));
    assert_close_vec(
        "<vjp(w), v> vs <jvp(v), w>",
        &[lhs],
        &[rhs],
        rtol.max(1e-10),
        atol,
    );
}
