//! `jax.lax.custom_root` and `jax.lax.custom_linear_solve`: a root or a linear solve computed
//! by any user function, differentiated implicitly (through the equation it solves) instead
//! of through the solver's iterations.
//!
//! Both close over what their function (`f`, `matvec`) captures the way JAX's closure
//! conversion does: the function is staged once, the arrays it captures become operands, and
//! derivatives flow to them.

use crate::array::{Array, ShapeDtype};
use crate::higher_order::custom_derivatives::{CustomOp, FlatBwd, FlatFn};
use crate::jaxpr::{eval_jaxpr, rewrite::stage_flat, Jaxpr};
use crate::prims::{bind, ops};
use crate::transforms::{custom_jvp, jvp, vjp};
use crate::tree::{self, PyTree, TreeDef};
use std::sync::Arc;

/// A solver as `custom_root` and `custom_linear_solve` take it: `solve(f, x)` with `f` the
/// function (the root's equation, or the linear map) and `x` the initial guess or right-hand
/// side.
pub type Solver<T> = Arc<dyn Fn(&dyn Fn(&T) -> T, &T) -> T + Send + Sync>;

/// A function of `T` staged once, with the arrays it captured: `call(consts, x)` runs it on
/// other values of those arrays (so they can be differentiated).
struct Staged<T: PyTree> {
    jaxpr: Arc<Jaxpr>,
    def: TreeDef<T>,
}

impl<T: PyTree> Staged<T> {
    /// Stages `f` at `like`'s shapes; panics (naming `op`) unless `f` returns the structure,
    /// shapes and dtypes it takes.
    fn new(op: &str, what: &str, f: impl Fn(&T) -> T, like: &T) -> (Staged<T>, Vec<Array>) {
        let avals: Vec<ShapeDtype> = tree::leaves(like)
            .iter()
            .map(|l| l.aval().clone())
            .collect();
        let mut out_def = None;
        let closed = stage_flat(&avals, |ins| {
            let out = f(&tree::rebuild(like, ins.iter().cloned()));
            out_def = Some(tree::structure(&out));
            tree::leaves(&out).into_iter().cloned().collect()
        });
        let out_avals = closed.jaxpr.out_avals();
        let same = out_def.as_ref() == Some(&tree::structure(like))
            && out_avals.len() == avals.len()
            && out_avals
                .iter()
                .zip(&avals)
                .all(|(o, i)| o.shape == i.shape && o.dtype == i.dtype);
        if !same {
            let show = |v: &[ShapeDtype]| {
                v.iter()
                    .map(|a| a.type_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            panic!(
                "{op}: {what} must return the structure, shapes and dtypes it takes; it takes \
                 [{}] and returned [{}]",
                show(&avals),
                show(&out_avals)
            );
        }
        let staged = Staged {
            jaxpr: closed.jaxpr.clone(),
            def: tree::structure(like),
        };
        (staged, closed.consts.clone())
    }

    fn call(&self, consts: &[Array], x: &T) -> T {
        let consts: Vec<&Array> = consts.iter().collect();
        let outs = eval_jaxpr(&self.jaxpr, &consts, &tree::leaves(x));
        self.def.unflatten(outs)
    }
}

fn flat<T: PyTree>(x: &T) -> Vec<Array> {
    tree::leaves(x).into_iter().cloned().collect()
}

/// `jax.lax.custom_root(f, initial_guess, solve, tangent_solve)`: the root of `f` found by
/// `solve(f, initial_guess)`, differentiated by the implicit function theorem instead of
/// through `solve`'s iterations. If `f(x*, θ) = 0` for the arrays `θ` that `f` captures, the
/// tangent of `x*` is `tangent_solve(g, -∂f/∂θ · dθ)`, where `g(t) = ∂f/∂x · t` is `f`
/// linearised at the root (a scalar problem can use `|g, y| y / g(1)`). `tangent_solve` must
/// be linear in its second argument for reverse mode (`grad`).
///
/// ```
/// use equinox_core::{lax, transforms::grad, Array};
/// // sqrt(a) as the root of x² - a, by Newton's method; its derivative is 1 / (2 sqrt(a)).
/// let sqrt = |a: &Array| {
///     let a = a.clone();
///     lax::custom_root(
///         move |x: &Array| x * x - &a,
///         &Array::scalar(1.0f32),
///         |f, x0| (0..20).fold(x0.clone(), |x, _| &x - &(f(&x) / (&x * 2.0))),
///         |g, y| y / &g(&Array::scalar(1.0f32)),
///     )
/// };
/// assert_eq!(sqrt(&Array::scalar(4.0f32)).item::<f32>(), 2.0);
/// assert_eq!(grad(sqrt)(&Array::scalar(4.0f32)).item::<f32>(), 0.25);
/// ```
pub fn custom_root<T, F, S, G>(f: F, initial_guess: &T, solve: S, tangent_solve: G) -> T
where
    T: PyTree + Clone + Send + Sync + 'static,
    F: Fn(&T) -> T,
    S: Fn(&dyn Fn(&T) -> T, &T) -> T + Send + Sync + 'static,
    G: Fn(&dyn Fn(&T) -> T, &T) -> T + Send + Sync + 'static,
{
    let (staged, consts) = Staged::new("custom_root", "f", f, initial_guess);
    let staged = Arc::new(staged);
    let solve = Arc::new(solve);
    let (f1, s1) = (staged.clone(), solve.clone());
    let root = custom_jvp(
        move |(c, x0): &(Vec<Array>, T)| s1(&|x: &T| f1.call(c, x), x0),
        move |(c, x0): &(Vec<Array>, T), (dc, _): &(Vec<Array>, T)| {
            let at = |x: &T| staged.call(c, x);
            let root = solve(&at, x0);
            let (_, df) = jvp(|c: &Vec<Array>| staged.call(c, &root), c, dc);
            let rhs = tree::map(&df, |t| -t);
            let linearised = |t: &T| jvp(|x: &T| staged.call(c, x), &root, t).1;
            let droot = tangent_solve(&linearised, &rhs);
            (root, droot)
        },
    );
    root(&(consts, initial_guess.clone()))
}

/// Options of [`custom_linear_solve_with`].
pub struct LinearSolveOptions<T> {
    /// `transpose_solve(vecmat, b)` solving the transposed system, needed for reverse mode
    /// (`grad`) unless `symmetric`.
    pub transpose_solve: Option<Solver<T>>,
    /// Whether `matvec` is symmetric: reverse mode then solves with `solve` and `matvec`.
    pub symmetric: bool,
}

impl<T> Default for LinearSolveOptions<T> {
    fn default() -> Self {
        LinearSolveOptions {
            transpose_solve: None,
            symmetric: false,
        }
    }
}

/// `jax.lax.custom_linear_solve(matvec, b, solve)`: `x = solve(matvec, b)` for a linear
/// `matvec`, differentiated implicitly: forward mode solves again with the right-hand side
/// `db - (∂matvec · dθ)(x)` (for the arrays `θ` that `matvec` captures). Reverse mode needs
/// the transposed solve (see [`custom_linear_solve_with`]).
pub fn custom_linear_solve<T, M, S>(matvec: M, b: &T, solve: S) -> T
where
    T: PyTree + Clone + Send + Sync + 'static,
    M: Fn(&T) -> T,
    S: Fn(&dyn Fn(&T) -> T, &T) -> T + Send + Sync + 'static,
{
    custom_linear_solve_with(matvec, b, solve, LinearSolveOptions::default())
}

/// [`custom_linear_solve`] with JAX's `transpose_solve` and `symmetric`: reverse mode maps
/// the cotangent `c` of `x` to `λ = transpose_solve(vecmat, c)` (`vecmat` the transpose of
/// `matvec`), which is `b`'s cotangent, and to `-λᵀ ∂matvec(x)/∂θ` for the captured `θ`.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, transforms::grad, Array};
/// use std::sync::Arc;
/// let a = Array::from_vec(vec![4.0f32, 1.0, 1.0, 3.0], [2, 2]);
/// // A solver that only sees `matvec`: it recovers the matrix from the unit vectors.
/// let dense = |mv: &dyn Fn(&Array) -> Array, b: &Array| {
///     let e0 = mv(&Array::from_vec(vec![1.0f32, 0.0], [2]));
///     let e1 = mv(&Array::from_vec(vec![0.0f32, 1.0], [2]));
///     jnp::linalg::solve(&jnp::stack(&[&e0, &e1], 1), b)
/// };
/// let x = |b: &Array| {
///     let a = a.clone();
///     let options = lax::LinearSolveOptions { symmetric: true, ..Default::default() };
///     lax::custom_linear_solve_with(move |x: &Array| a.matmul(x), b, dense, options)
/// };
/// let b = Array::from_vec(vec![1.0f32, 2.0], [2]);
/// assert!(x(&b).allclose(&Array::from_vec(vec![1.0f32 / 11.0, 7.0 / 11.0], [2]), 1e-6, 1e-6).item::<bool>());
/// // d(sum(A⁻¹ b))/db = A⁻ᵀ 1.
/// let g = grad(|b: &Array| x(b).sum(None))(&b);
/// assert!(g.allclose(&Array::from_vec(vec![2.0f32 / 11.0, 3.0 / 11.0], [2]), 1e-6, 1e-6).item::<bool>());
/// ```
pub fn custom_linear_solve_with<T, M, S>(
    matvec: M,
    b: &T,
    solve: S,
    options: LinearSolveOptions<T>,
) -> T
where
    T: PyTree + Clone + Send + Sync + 'static,
    M: Fn(&T) -> T,
    S: Fn(&dyn Fn(&T) -> T, &T) -> T + Send + Sync + 'static,
{
    let (staged, consts) = Staged::new("custom_linear_solve", "matvec", matvec, b);
    let staged = Arc::new(staged);
    let solve: Solver<T> = Arc::new(solve);
    let transpose_solve = if options.symmetric {
        Some(solve.clone())
    } else {
        options.transpose_solve
    };
    let nres = consts.len();
    let out_avals: Vec<ShapeDtype> = tree::leaves(b).iter().map(|l| l.aval().clone()).collect();
    let (f1, s1) = (staged.clone(), solve.clone());
    let call: FlatFn = Arc::new(move |xs: &[Array]| {
        let (c, rhs) = xs.split_at(nres);
        flat(&s1(&|x: &T| f1.call(c, x), &f1.def.unflatten(rhs.to_vec())))
    });
    let (f2, symmetric) = (staged.clone(), options.symmetric);
    let zeros = tree::map(b, ops::zeros_like);
    let bwd: FlatBwd = Arc::new(move |res: &[Array], cts: &[Array]| {
        let Some(transpose_solve) = &transpose_solve else {
            panic!(
                "custom_linear_solve: transpose_solve required for backwards mode automatic \
                 differentiation of custom_linear_solve (give LinearSolveOptions::transpose_solve \
                 or symmetric: true)"
            )
        };
        let ct = f2.def.unflatten(cts.to_vec());
        let lambda = if symmetric {
            transpose_solve(&|x: &T| f2.call(res, x), &ct)
        } else {
            let vecmat = |y: &T| vjp(|x: &T| f2.call(res, x), &zeros).1.transpose(y);
            transpose_solve(&vecmat, &ct)
        };
        flat(&lambda).into_iter().map(Some).collect()
    });
    // The solve as a map linear in the right-hand side given the captured arrays, whose
    // transpose is the transposed solve.
    let f4 = staged.clone();
    let linear_solve = Arc::new(move |c: &[Array], rhs: &T| -> T {
        let op = CustomOp::Lin {
            name: "custom_linear_solve".to_string(),
            call: Some(call.clone()),
            bwd: bwd.clone(),
            num_res: nres,
            out_avals: out_avals.clone(),
        };
        let operands: Vec<&Array> = c.iter().chain(tree::leaves(rhs)).collect();
        f4.def.unflatten(bind(op, &operands))
    });
    let (solve1, f3) = (linear_solve.clone(), staged.clone());
    let solved = custom_jvp(
        move |(c, b): &(Vec<Array>, T)| solve1(c, b),
        move |(c, b): &(Vec<Array>, T), (dc, db): &(Vec<Array>, T)| {
            let x = linear_solve(c, b);
            let (_, dmatvec) = jvp(|c: &Vec<Array>| f3.call(c, &x), c, dc);
            let rhs = tree::map2(db, &dmatvec, |d, m| d - m);
            let dx = linear_solve(c, &rhs);
            (x, dx)
        },
    );
    solved(&(consts, b.clone()))
}
