//! The decompositions of `jax.numpy.linalg` and what is built on them: `qr`, `eig`,
//! `eigvals`, `eigh`, `eigvalsh`, `svd`, `svdvals`, `pinv`, `matrix_rank`, `cond` and `lstsq`, each a port of
//! JAX's function (same formulas, defaults, tolerances and error messages).

use crate::array::{Array, DType};
use crate::lax;
use crate::numpy as jnp;
use crate::numpy::promotion::{promote_dtypes, to_inexact};
use crate::prims::bind;
use crate::prims::linalg::eigh::symmetrize;
use crate::prims::linalg::qr::mh;
use crate::prims::sort::SortOp;

/// The transpose of the last two axes.
fn mt(x: &Array) -> Array {
    jnp::swapaxes(x, -1, -2)
}

/// Machine epsilon of a float or complex dtype (`jnp.finfo(dtype).eps`, that of the parts).
fn eps(dtype: DType) -> f64 {
    match dtype.real_dtype() {
        DType::F64 => f64::EPSILON,
        DType::F16 => 0.0009765625,
        DType::BF16 => 0.0078125,
        _ => f64::from(f32::EPSILON),
    }
}

/// The sizes of the last two axes, panicking with `name`'s message below rank 2.
fn matrix_dims(name: &str, x: &Array) -> (usize, usize) {
    let nd = x.ndim();
    if nd < 2 {
        panic!(
            "Input 0 to {name} must have rank at least 2, but got shape={} (jnp.linalg.{name} \
             of {})",
            crate::prims::rules::py_tuple(x.shape()),
            x.aval()
        );
    }
    (x.shape()[nd - 2], x.shape()[nd - 1])
}

/// The factors [`qr_with`] returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QrMode {
    /// `q: [..., m, k]`, `r: [..., k, n]` with `k = min(m, n)` (JAX's `"reduced"`, the default).
    #[default]
    Reduced,
    /// `q: [..., m, m]`, `r: [..., m, n]` (JAX's `"complete"`).
    Complete,
}

/// `jnp.linalg.qr(a)`: the reduced QR factors `(q, r)` of `a: [..., m, n]`, `a = q @ r`, with
/// LAPACK's signs as JAX on CPU. Integer inputs are promoted to float; float16/bfloat16 panic
/// as in JAX.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [3, 2]);
/// let (q, r) = jnp::linalg::qr(&a);
/// assert_eq!((q.shape(), r.shape()), (&[3, 2][..], &[2, 2][..]));
/// assert!(jnp::allclose(&jnp::matmul(&q, &r), &a, 1e-5, 1e-5).item::<bool>());
/// ```
pub fn qr(a: &Array) -> (Array, Array) {
    qr_with(a, QrMode::Reduced)
}

/// `jnp.linalg.qr(a, mode=...)` for the modes that return both factors (see [`QrMode`]);
/// `mode="r"` is [`qr_r`].
pub fn qr_with(a: &Array, mode: QrMode) -> (Array, Array) {
    let a = to_inexact(a);
    lax::linalg::qr(&a, mode == QrMode::Complete)
}

/// `jnp.linalg.qr(a, mode="r")`: only the reduced `r` factor.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![3.0f64, 4.0], [2, 1]);
/// assert_eq!(jnp::linalg::qr_r(&a).to_vec::<f64>(), vec![-5.0]);
/// ```
pub fn qr_r(a: &Array) -> Array {
    qr(a).1
}

/// What [`eig`] returns: JAX's `EigResult(eigenvalues, eigenvectors)`, complex arrays
/// (complex64 for float32 input, complex128 for float64).
#[derive(Clone, Debug)]
pub struct EigResult {
    /// The eigenvalues, `[..., n]`.
    pub eigenvalues: Array,
    /// The right eigenvectors, one per column (`a v = v diag(w)`), `[..., n, n]`.
    pub eigenvectors: Array,
}

/// `jnp.linalg.eig(a)`: the eigenvalues and right eigenvectors of a general square
/// `a: [..., n, n]`, as complex arrays. Each eigenvector has unit 2-norm; the order
/// is the real Schur form's (a conjugate pair adjacent, positive imaginary part first).
/// Integer inputs are promoted to float. Not differentiable (JAX refuses eigenvector
/// derivatives); [`eigvals`] is.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex64};
/// let a = Array::from_vec(vec![2.0f64, 0.0, 0.0, 3.0], [2, 2]);
/// let r = jnp::linalg::eig(&a);
/// let c = |re: f64| Complex64::new(re, 0.0);
/// assert_eq!(r.eigenvalues.to_vec::<Complex64>(), vec![c(2.0), c(3.0)]);
/// assert_eq!(r.eigenvectors.to_vec::<Complex64>(), vec![c(1.0), c(0.0), c(0.0), c(1.0)]);
/// ```
pub fn eig(a: &Array) -> EigResult {
    let a = to_inexact(a);
    let out = lax::linalg::eig_with(
        &a,
        lax::linalg::EigOptions {
            compute_left_eigenvectors: false,
            compute_right_eigenvectors: true,
        },
    );
    EigResult {
        eigenvalues: out.w,
        eigenvectors: out.vr.expect("right eigenvectors were asked for"),
    }
}

/// `jnp.linalg.eigvals(a)`: the eigenvalues of a general square `a: [..., n, n]`, a complex
/// array in [`eig`]'s order. Differentiable once, with JAX's rule
/// `dw = diag(v⁻¹ da v)` (a second derivative would need the eigenvectors' and panics, as in
/// JAX).
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex32};
/// let a = Array::from_vec(vec![1.0f32, -2.0, 2.0, 1.0], [2, 2]);
/// let w = jnp::linalg::eigvals(&a).to_vec::<Complex32>();
/// let want = [Complex32::new(1.0, 2.0), Complex32::new(1.0, -2.0)];
/// assert!(w.iter().zip(want).all(|(g, w)| (g - w).norm() < 1e-6));
/// ```
pub fn eigvals(a: &Array) -> Array {
    let a = to_inexact(a);
    lax::linalg::eig_with(
        &a,
        lax::linalg::EigOptions {
            compute_left_eigenvectors: false,
            compute_right_eigenvectors: false,
        },
    )
    .w
}

/// Which triangle [`eigh_with`] reads when it does not symmetrise (JAX's `UPLO`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Uplo {
    /// The lower triangle (`"L"`, the default).
    #[default]
    L,
    /// The upper triangle (`"U"`).
    U,
}

/// The options of [`eigh_with`] and [`eigvalsh_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EighOptions {
    /// The triangle to read when `symmetrize_input` is false.
    pub uplo: Uplo,
    /// Replace `a` by `(a + aᴴ) / 2` first (default true; better behaved under AD).
    pub symmetrize_input: bool,
}

impl Default for EighOptions {
    fn default() -> Self {
        EighOptions {
            uplo: Uplo::L,
            symmetrize_input: true,
        }
    }
}

/// `jnp.linalg.eigh(a)`: `(eigenvalues, eigenvectors)` of symmetric `a: [..., n, n]`,
/// eigenvalues ascending, eigenvectors in the columns (JAX's `EighResult` order).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![2.0f64, 1.0, 1.0, 2.0], [2, 2]);
/// let (w, v) = jnp::linalg::eigh(&a);
/// let w = w.to_vec::<f64>();
/// assert!((w[0] - 1.0).abs() < 1e-12 && (w[1] - 3.0).abs() < 1e-12);
/// assert_eq!(v.shape(), &[2, 2]);
/// ```
pub fn eigh(a: &Array) -> (Array, Array) {
    eigh_with(a, EighOptions::default())
}

/// `jnp.linalg.eigh(a, UPLO, symmetrize_input)`.
pub fn eigh_with(a: &Array, options: EighOptions) -> (Array, Array) {
    let a = to_inexact(a);
    let (v, w) = lax::linalg::eigh(&a, options.uplo == Uplo::L, options.symmetrize_input);
    (w, v)
}

/// `jnp.linalg.eigvalsh(a)`: the eigenvalues of symmetric `a`, ascending.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 2.0, 1.0], [2, 2]);
/// let w = jnp::linalg::eigvalsh(&a).to_vec::<f32>();
/// assert!((w[0] + 1.0).abs() < 1e-6 && (w[1] - 3.0).abs() < 1e-6);
/// ```
pub fn eigvalsh(a: &Array) -> Array {
    eigvalsh_with(a, EighOptions::default())
}

/// `jnp.linalg.eigvalsh(a, UPLO, symmetrize_input)`.
pub fn eigvalsh_with(a: &Array, options: EighOptions) -> Array {
    eigh_with(a, options).0
}

/// The options of [`svd_with`] and [`svdvals_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SvdOptions {
    /// Square `u` (`m × m`) and `vh` (`n × n`) rather than the reduced ones (default true).
    pub full_matrices: bool,
    /// Assume `a` symmetric and compute the SVD from its eigendecomposition (default false).
    pub hermitian: bool,
}

impl Default for SvdOptions {
    fn default() -> Self {
        SvdOptions {
            full_matrices: true,
            hermitian: false,
        }
    }
}

/// `jnp.linalg.svd(a)`: `(u, s, vh)` with `a = u @ diag(s) @ vh`, `s` descending, `u` and `vh`
/// square (`full_matrices=True`). For `compute_uv=False` use [`svdvals`].
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
/// let (u, s, vh) = jnp::linalg::svd(&a);
/// assert_eq!((u.shape(), s.shape(), vh.shape()), (&[2, 2][..], &[2][..], &[3, 3][..]));
/// ```
pub fn svd(a: &Array) -> (Array, Array, Array) {
    svd_with(a, SvdOptions::default())
}

/// `jnp.linalg.svd(a, full_matrices, compute_uv=True, hermitian)`.
pub fn svd_with(a: &Array, options: SvdOptions) -> (Array, Array, Array) {
    let a = to_inexact(a);
    if options.hermitian {
        let (u, s, vh) = hermitian_svd(&a, true);
        return (u, s, vh.expect("vectors were asked for"));
    }
    lax::linalg::svd(&a, options.full_matrices)
}

/// `jnp.linalg.svdvals(x)`: the singular values, descending, without the singular vectors.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![0.0f64, -3.0, 2.0, 0.0], [2, 2]);
/// assert_eq!(jnp::linalg::svdvals(&a).to_vec::<f64>(), vec![3.0, 2.0]);
/// ```
pub fn svdvals(x: &Array) -> Array {
    svdvals_with(x, SvdOptions::default())
}

/// `jnp.linalg.svd(a, compute_uv=False, hermitian)` (`full_matrices` plays no part).
pub fn svdvals_with(x: &Array, options: SvdOptions) -> Array {
    let x = to_inexact(x);
    if options.hermitian {
        return hermitian_svd(&x, false).1;
    }
    lax::linalg::svd_values(&x)
}

/// JAX's `hermitian=True` SVD: `|w|` of the eigenvalues sorted descending, the eigenvectors
/// in that order as `u`, and `vh = (u * sign(w))ᴴ`. `vh` only when `compute_uv`.
fn hermitian_svd(a: &Array, compute_uv: bool) -> (Array, Array, Option<Array>) {
    let (v, w) = lax::linalg::eigh(a, true, true);
    let s = jnp::abs(&w);
    let last = s.ndim() - 1;
    if !compute_uv {
        return (v, jnp::flip(&jnp::sort(&s, -1i32), -1i32), None);
    }
    let sign = jnp::sign(&w);
    let idxs = lax::broadcasted_iota(DType::I32, s.shape().to_vec(), last);
    let sorted = bind(
        SortOp::Sort {
            dimension: last,
            is_stable: true,
            num_keys: 1,
        },
        &[&s, &idxs, &sign],
    );
    let rev = |x: &Array| jnp::flip(x, -1i32);
    let (s, idxs, sign) = (rev(&sorted[0]), rev(&sorted[1]), rev(&sorted[2]));
    let u = jnp::take_along_axis(&v, &jnp::expand_dims(&idxs, -2), -1);
    let vh = mh(&(&u * &jnp::expand_dims(&sign, -2).astype(u.dtype())));
    (u, s, Some(vh))
}

/// The options of [`pinv_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PinvOptions {
    /// Singular values at or below `rtol * largest` count as zero; `None` is JAX's
    /// `10 * max(m, n) * eps`. (JAX's `rcond` is the same argument.)
    pub rtol: Option<f64>,
    /// Compute the SVD as for a symmetric matrix.
    pub hermitian: bool,
}

/// `jnp.linalg.pinv(a)`: the Moore–Penrose pseudo-inverse of `a: [..., m, n]`, `[..., n, m]`,
/// from the SVD, with JAX's custom JVP (Golub & Pereyra), so it is differentiable at every
/// order even where singular values are cut off.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![2.0f64, 0.0, 0.0, 0.0], [2, 2]);
/// assert_eq!(jnp::linalg::pinv(&a).to_vec::<f64>(), vec![0.5, 0.0, 0.0, 0.0]);
/// ```
pub fn pinv(a: &Array) -> Array {
    pinv_with(a, PinvOptions::default())
}

/// `jnp.linalg.pinv(a, rtol, hermitian)`.
pub fn pinv_with(a: &Array, options: PinvOptions) -> Array {
    let a = to_inexact(a);
    if a.ndim() < 2 {
        // JAX's `m, n = a.shape[-2:]` fails with Python's unpacking message.
        panic!(
            "not enough values to unpack (expected 2, got {}): jnp.linalg.pinv needs a matrix \
             of shape [..., m, n], got {}",
            a.ndim(),
            a.aval()
        );
    }
    let f = crate::transforms::custom_jvp(
        move |a: &Array| pinv_primal(a, options),
        move |a: &Array, a_dot: &Array| pinv_jvp(a, a_dot, options),
    );
    f(&a)
}

/// JAX's `_pinv`: with `u, s, vh` the SVD of `conj(a)`, `vhᵀ @ (uᵀ / s)`, the small singular
/// values replaced by infinity.
fn pinv_primal(a: &Array, options: PinvOptions) -> Array {
    let (m, n) = matrix_dims("pinv", a);
    let a = &jnp::conj(a);
    let nd = a.ndim();
    if m == 0 || n == 0 {
        let mut shape = a.shape()[..nd - 2].to_vec();
        shape.extend([n, m]);
        return jnp::zeros_dtype(shape, a.dtype());
    }
    let rtol = options
        .rtol
        .unwrap_or(10.0 * m.max(n) as f64 * eps(a.dtype()));
    let (u, s, vh) = svd_with(
        a,
        SvdOptions {
            full_matrices: false,
            hermitian: options.hermitian,
        },
    );
    let largest = crate::prims::slicing::slice_in_dim(&s, 0, 1, 1, s.ndim() - 1);
    let cutoff = &largest * rtol;
    let inf = jnp::full_like(&s, f64::INFINITY);
    let s = jnp::where_(&jnp::greater(&s, &cutoff), &s, &inf).astype(u.dtype());
    jnp::matmul(&mt(&vh), &(&mt(&u) / &jnp::expand_dims(&s, -1)))
}

/// JAX's `_pinv_jvp` (Golub & Pereyra 1973).
fn pinv_jvp(a: &Array, a_dot: &Array, options: PinvOptions) -> (Array, Array) {
    let p = pinv_with(a, options);
    let (a, a_dot) = if options.hermitian {
        (symmetrize(a), symmetrize(a_dot))
    } else {
        (a.clone(), a_dot.clone())
    };
    let (m, n) = matrix_dims("pinv", &a);
    let mm = jnp::matmul;
    let p_dot = if m >= n {
        let s = mm(&mm(&p, &mh(&p)), &mh(&a_dot));
        let t = mm(&mm(&mh(&a_dot), &mh(&p)), &p);
        -mm(&mm(&p, &a_dot), &p) + &s - mm(&mm(&s, &a), &p) + &t - mm(&mm(&p, &a), &t)
    } else {
        let s = mm(&p, &mm(&mh(&p), &mh(&a_dot)));
        let t = mm(&mh(&a_dot), &mm(&mh(&p), &p));
        -mm(&p, &mm(&a_dot, &p)) + &s - mm(&s, &mm(&a, &p)) + &t - mm(&p, &mm(&a, &t))
    };
    (p, p_dot)
}

/// The options of [`matrix_rank_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MatrixRankOptions {
    /// Singular values at or below `rtol * largest` count as zero; `None` is JAX's
    /// `largest * max(m, n) * eps`.
    pub rtol: Option<f64>,
    /// JAX's older name for `rtol`; at most one of the two may be given.
    pub tol: Option<f64>,
    /// Compute the singular values as for a symmetric matrix.
    pub hermitian: bool,
}

/// `jnp.linalg.matrix_rank(M)`: the number of singular values above the tolerance, int32 of
/// shape `M.shape[:-2]`. Below rank 2 it is `any(M != 0)`, as in JAX.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let m = Array::from_vec(vec![1.0f32, 2.0, 2.0, 4.0], [2, 2]);
/// assert_eq!(jnp::linalg::matrix_rank(&m).to_vec::<i32>(), vec![1]);
/// ```
pub fn matrix_rank(m: &Array) -> Array {
    matrix_rank_with(m, MatrixRankOptions::default())
}

/// `jnp.linalg.matrix_rank(M, rtol, hermitian=..., tol=...)`.
pub fn matrix_rank_with(m: &Array, options: MatrixRankOptions) -> Array {
    let rtol = match (options.rtol, options.tol) {
        (Some(_), Some(_)) => panic!("matrix_rank: only one of tol or rtol may be specified."),
        (r, t) => r.or(t),
    };
    let m = to_inexact(m);
    if m.ndim() < 2 {
        let nonzero = jnp::not_equal(&m, &jnp::zeros_like(&m));
        return jnp::any(&nonzero, ()).astype(DType::I32);
    }
    let s = svdvals_with(
        &m,
        SvdOptions {
            full_matrices: false,
            hermitian: options.hermitian,
        },
    );
    let nd = m.ndim();
    let threshold = match rtol {
        Some(r) => Array::weak_scalar(r),
        None => {
            let size = m.shape()[nd - 2].max(m.shape()[nd - 1]) as f64;
            jnp::expand_dims(&(jnp::max(&s, -1i32) * (size * eps(s.dtype()))), -1)
        }
    };
    jnp::sum(&jnp::greater(&s, &threshold), -1i32).astype(DType::I32)
}

/// `jnp.linalg.cond(x)` with JAX's default `p=None` (the 2-norm): the ratio of the largest to
/// the smallest singular value, shape `x.shape[:-2]`. The other norms need the inverse and
/// matrix norms and are not provided yet.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 2.0, 1.0], [2, 2]);
/// assert!((jnp::linalg::cond(&x).to_vec::<f32>()[0] - 3.0).abs() < 1e-5);
/// ```
pub fn cond(x: &Array) -> Array {
    if x.ndim() < 2 {
        panic!(
            "jnp.linalg.cond: input array must be at least 2D; got arr.shape={}",
            crate::prims::rules::py_tuple(x.shape())
        );
    }
    let nd = x.ndim();
    if x.shape()[nd - 1] == 0 || x.shape()[nd - 2] == 0 {
        panic!(
            "jnp.linalg.cond: input array must not be empty; got arr.shape={}",
            crate::prims::rules::py_tuple(x.shape())
        );
    }
    let s = svdvals(x);
    let k = s.shape()[nd - 2];
    let first = crate::prims::slicing::slice_in_dim(&s, 0, 1, 1, nd - 2);
    let last = crate::prims::slicing::slice_in_dim(&s, k - 1, k, 1, nd - 2);
    jnp::squeeze(&(&first / &last), -1i32)
}

/// The options of [`lstsq_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LstsqOptions {
    /// Singular values below `rcond * largest` count as zero; `None` is JAX's
    /// `eps * max(m, n)`, and a negative value means `eps`.
    pub rcond: Option<f64>,
}

/// The result of [`lstsq`]: JAX's `(x, resid, rank, s)`.
#[derive(Clone, Debug)]
pub struct LstsqResult {
    /// The least-squares solution, `[n]` or `[n, k]` like `b`.
    pub x: Array,
    /// The squared residual norms `sum((b - a x)², axis=0)`, always computed (JAX's
    /// `numpy_resid=False`).
    pub resid: Array,
    /// The effective rank of `a` (int32 scalar).
    pub rank: Array,
    /// The singular values of `a`, descending.
    pub s: Array,
}

/// `jnp.linalg.lstsq(a, b)`: the `x` minimising `||b - a x||` for `a: [m, n]` and
/// `b: [m]` or `[m, k]`, from the SVD of `a`, as JAX computes it.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f64, 0.0, 0.0, 1.0, 1.0, 1.0], [3, 2]);
/// let b = Array::from_vec(vec![1.0f64, 2.0, 3.0], [3]);
/// let r = jnp::linalg::lstsq(&a, &b);
/// let x = r.x.to_vec::<f64>();
/// assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 2.0).abs() < 1e-12);
/// assert_eq!(r.rank.to_vec::<i32>(), vec![2]);
/// ```
pub fn lstsq(a: &Array, b: &Array) -> LstsqResult {
    lstsq_with(a, b, LstsqOptions::default())
}

/// `jnp.linalg.lstsq(a, b, rcond)`.
pub fn lstsq_with(a: &Array, b: &Array, options: LstsqOptions) -> LstsqResult {
    let promoted = promote_dtypes(&[a, b]);
    let (a, b) = (to_inexact(&promoted[0]), to_inexact(&promoted[1]));
    if a.ndim() == 0 || b.ndim() == 0 || a.shape()[0] != b.shape()[0] {
        panic!(
            "Leading dimensions of input arrays must match (jnp.linalg.lstsq of {} and {})",
            a.aval(),
            b.aval()
        );
    }
    let b_orig_ndim = b.ndim();
    let b = if b_orig_ndim == 1 {
        jnp::expand_dims(&b, -1)
    } else {
        b
    };
    if a.ndim() != 2 {
        panic!(
            "{}-dimensional array given. Array must be two-dimensional",
            a.ndim()
        );
    }
    if b.ndim() != 2 {
        panic!(
            "{}-dimensional array given. Array must be one or two-dimensional",
            b.ndim()
        );
    }
    let (m, n) = (a.shape()[0], a.shape()[1]);
    let dtype = a.dtype();
    let (x, rank, s) = if m == 0 || n == 0 {
        (
            jnp::zeros_dtype(vec![n, b.shape()[1]], dtype),
            Array::from_vec(vec![0i32], [0usize; 0]),
            jnp::zeros_dtype(vec![0], dtype.real_dtype()),
        )
    } else {
        let rcond = match options.rcond {
            None => eps(dtype) * m.max(n) as f64,
            Some(r) if r < 0.0 => eps(dtype),
            Some(r) => r,
        };
        let (u, s, vt) = lax::linalg::svd(&a, false);
        let largest = crate::prims::slicing::slice_in_dim(&s, 0, 1, 1, 0);
        let zero = jnp::zeros_like(&s);
        let mask = jnp::logical_and(
            &jnp::greater(&s, &zero),
            &jnp::greater_equal(&s, &(&largest * rcond)),
        );
        let rank = jnp::sum(&mask, ()).astype(DType::I32);
        let safe_s = jnp::where_(&mask, &s, &jnp::ones_like(&s));
        let s_inv = jnp::expand_dims(&jnp::where_(&mask, &jnp::reciprocal(&safe_s), &zero), -1);
        let ut_b = jnp::matmul(&mh(&u), &b);
        let x = jnp::matmul(&mh(&vt), &(&s_inv * &ut_b));
        (x, rank, s)
    };
    let residual = &b - &jnp::matmul(&a, &x);
    // JAX's `norm(b - a x, axis=0) ** 2`, with norm's `sqrt(sum(real(x conj(x))))`.
    let squares = jnp::real(&(&residual * &jnp::conj(&residual)));
    let resid = jnp::square(&jnp::sqrt(&jnp::sum(&squares, 0i32)));
    let x = if b_orig_ndim == 1 { jnp::ravel(&x) } else { x };
    LstsqResult { x, resid, rank, s }
}
