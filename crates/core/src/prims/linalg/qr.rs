//! `qr`: the Householder QR decomposition of (a batch of) matrices, with JAX's JVP rule.
//!
//! This file also holds what the decomposition primitives (`qr`, `eigh`, `svd`) share: the
//! operand check with JAX's messages, the batching rule (batch axes go to the front, where the
//! primitives already batch), and the driver that runs a faer kernel on every matrix of a batch.

use super::cholesky::{linalg_keeping_subnormals, with_linalg_type, LinalgScalar};
use super::eigh::all_finite;
use super::lowering::{expanded_call, eye_like, keep_triangle};
use super::svd::SvdOp;
use crate::array::{Array, ArrayElement, DType, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::ops;
use crate::prims::rules;
use crate::prims::rules::py_bool;
use crate::prims::slicing::slice_in_dim;
use crate::prims::{bind, expect_arity, LinearArg, PrimitiveRule};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::traits::math_utils;
use faer::{linalg, Mat, MatRef, Par};
use num_traits::Float;
use rayon::prelude::*;

/// `qr[full_matrices]`: `x = q @ r` for `x: [..., m, n]`, with `q: [..., m, k]` unitary and
/// `r: [..., k, n]` upper triangular, where `k = m` when `full_matrices` and `min(m, n)`
/// otherwise.
///
/// The signs are LAPACK's (`geqrf`): each Householder reflector maps its column to
/// `-sign(re x_jj) ||x_j|| e_j`, so `r`'s diagonal is real and carries the opposite sign of
/// the (real part of the) pivot it eliminated, as in JAX on CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QrOp {
    /// Return the square `m × m` `q` (and `m × n` `r`) rather than the reduced factors.
    pub full_matrices: bool,
}

impl PrimitiveRule for QrOp {
    fn name(&self) -> &'static str {
        "qr"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("qr", args, 1);
        let x = args[0];
        check_operand("qr", x);
        let (batch, m, n) = split_matrix(x);
        let k = if self.full_matrices { m } else { m.min(n) };
        vec![
            matrix_aval(x, &batch, &[m, k], x.dtype),
            matrix_aval(x, &batch, &[k, n], x.dtype),
        ]
    }

    /// XLA's `Qr` and `ProductOfElementaryHouseholderReflectors` expansions, assembled as JAX's
    /// `_qr_lowering` does: `geqrf`, then `orgqr` on the reflectors (padded to `m × m` for the
    /// full `q` of a tall matrix). Their reflectors follow LAPACK's sign convention, as the CPU
    /// kernel does.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let x = &args[0];
        let (batch, m, n) = split_matrix(&x.aval);
        let k = m.min(n);
        let (q_aval, r_aval) = (&out[0], &out[1]);
        if k == 0 {
            // No reflectors: `q` is (the leading columns of) the identity, `r` is empty or zero.
            let zero = cx.scalar(r_aval.dtype, 0.0);
            let r = cx.broadcast_to(&zero, &r_aval.shape);
            return Ok(vec![eye_like(cx, q_aval), r]);
        }
        let with_batch =
            |dims: &[usize]| -> Vec<usize> { batch.iter().chain(dims).copied().collect() };
        let taus_aval = ShapeDtype::new(with_batch(&[k]), x.aval.dtype);
        let mut packed = expanded_call(cx, "Qr", &[x], "", &[x.aval.clone(), taus_aval]);
        let taus = packed.pop().expect("Qr returns the scales");
        let packed = packed.pop().expect("Qr returns the reflectors");
        let origin = vec![0; batch.len() + 2];
        let reflectors = if m < n {
            cx.slice(&packed, &origin, &with_batch(&[m, m]))
        } else if self.full_matrices && m > n {
            let zero = cx.scalar(x.aval.dtype, 0.0);
            let mut high = origin.clone();
            high[batch.len() + 1] = m - n;
            cx.pad(&packed, &zero, &origin, &high)
        } else {
            packed.clone()
        };
        let q = expanded_call(
            cx,
            "ProductOfElementaryHouseholderReflectors",
            &[&reflectors, &taus],
            "",
            std::slice::from_ref(q_aval),
        )
        .pop()
        .expect("one result");
        let r_block = if r_aval.shape == packed.aval.shape {
            packed
        } else {
            cx.slice(&packed, &origin, &r_aval.shape)
        };
        Ok(vec![q, keep_triangle(cx, &r_block, false)])
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let (_, m, n) = split_matrix(x.aval());
        let count = batch_count(x.aval());
        let parallel = map_matrices_is_parallel(count, m, n, THREADS_FROM);
        linalg_keeping_subnormals(parallel, || {
            let full = self.full_matrices;
            with_linalg_type!(x.dtype(), T => wrap_outputs(
                map_matrices(x.as_slice::<T>(), count, m, n, THREADS_FROM, |a, par| {
                    qr_kernel(a, full, par)
                }),
                out,
            ))
        })
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let x = primals[0];
        let dx = rules::instantiate(tangents[0], x.aval());
        let outs = bind(*self, &[x]);
        let (q, r) = (&outs[0], &outs[1]);
        let nd = x.ndim();
        let (m, n) = (x.shape()[nd - 2], x.shape()[nd - 1]);
        let (dq, dr) = if m < n {
            // Wide: x = q [r1 r2] splits into the square QR x1 = q r1 and r2 = qᴴ x2, so
            // dr2 = dqᴴ x2 + qᴴ dx2 (JAX's `qr_jvp_rule`).
            let x2 = slice_in_dim(x, m, n, 1, nd - 1);
            let dx1 = slice_in_dim(&dx, 0, m, 1, nd - 1);
            let dx2 = slice_in_dim(&dx, m, n, 1, nd - 1);
            let r1 = slice_in_dim(r, 0, m, 1, nd - 1);
            let (dq, dr1) = thin_qr_jvp(q, &r1, &dx1);
            let dr2 = ops::matmul(&mh(&dq), &x2) + ops::matmul(&mh(q), &dx2);
            (dq, concatenate(&[&dr1, &dr2], nd - 1))
        } else if self.full_matrices && m > n {
            // Tall with the complete q (arXiv:2409.13374, eqs. 32-33, as JAX): the reduced
            // factors' tangents, then the tangent of q's extra columns.
            let q_mn = slice_in_dim(q, 0, n, 1, nd - 1);
            let r_nn = slice_in_dim(r, 0, n, 1, nd - 2);
            let (dq_mn, dr_nn) = thin_qr_jvp(&q_mn, &r_nn, &dx);
            let q_nn = slice_in_dim(&q_mn, 0, n, 1, nd - 2);
            let q_pn = slice_in_dim(&q_mn, n, m, 1, nd - 2);
            let q_mp = slice_in_dim(q, n, m, 1, nd - 1);
            let dq_nn = slice_in_dim(&dq_mn, 0, n, 1, nd - 2);
            let dq_pn = slice_in_dim(&dq_mn, n, m, 1, nd - 2);
            let eye = ops::eye(n, None, 0).astype(x.dtype());
            // z_pn = q_pn (q_nn - I)⁻¹
            let z_pn = right_solve(&q_pn, &(&q_nn - &eye));
            let z_pn_h = mh(&z_pn);
            let dq_mp = ops::matmul(&dq_mn, &z_pn_h)
                - ops::matmul(
                    &(&q_mn + &ops::matmul(&q_mp, &z_pn)),
                    &mh(&(&dq_pn - &ops::matmul(&z_pn, &dq_nn))),
                );
            let dq = concatenate(&[&dq_mn, &dq_mp], nd - 1);
            let mut zshape = dr_nn.shape().to_vec();
            zshape[nd - 2] = m - n;
            let zeros = ops::zeros(zshape, x.dtype());
            (dq, concatenate(&[&dr_nn, &zeros], nd - 2))
        } else {
            thin_qr_jvp(q, r, &dx)
        };
        (outs.clone(), vec![Some(dq), Some(dr)])
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear("qr")
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        batch_leading(*self, args[0], dims[0])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("full_matrices", py_bool(self.full_matrices)),
            ("pivoting", "False".into()),
            ("use_magma", "None".into()),
        ]
    }
}

/// JAX's `_thin_qr_jvp`: the tangents of `q` and `r` for `x = q r` with `m >= n` (`r` square).
fn thin_qr_jvp(q: &Array, r: &Array, dx: &Array) -> (Array, Array) {
    let dx_rinv = right_solve(dx, r);
    let qt_dx_rinv = ops::matmul(&mh(q), &dx_rinv);
    let lower = ops::tril(&qt_dx_rinv, -1);
    let skew = &lower - &mh(&lower);
    // The correction JAX adds for complex inputs: the imaginary part of the diagonal (zero for
    // real inputs, where it is skipped).
    let domega = if q.dtype().is_complex() {
        let n = r.shape()[r.ndim() - 1];
        let eye = ops::eye(n, None, 0).astype(q.dtype());
        let imag_part = &qt_dx_rinv - &ops::real(&qt_dx_rinv).astype(q.dtype());
        &skew + &(&eye * &imag_part)
    } else {
        skew
    };
    let dq = ops::matmul(q, &(&domega - &qt_dx_rinv)) + &dx_rinv;
    let dr = ops::matmul(&(&qt_dx_rinv - &domega), r);
    (dq, dr)
}

/// `b @ inv(r)` for a square invertible `r` (JAX's right-side `triangular_solve` with the
/// triangular `r` of a QR, and its `lu_solve` in the complete tall case).
///
/// Written with the SVD primitive so it stays differentiable and batchable:
/// `r = u diag(s) vᴴ` gives `inv(r) = v diag(1/s) uᴴ`. It is linear in `b`, and `r` is a
/// primal, invertible wherever the QR derivative is defined.
fn right_solve(b: &Array, r: &Array) -> Array {
    let outs = bind(
        SvdOp {
            full_matrices: false,
            compute_uv: true,
        },
        &[r],
    );
    let (s, u, vt) = (&outs[0], &outs[1], &outs[2]);
    let b_v = ops::matmul(b, &mh(vt));
    let scaled = &b_v / &ops::expand_dims(s, &[s.ndim() - 1]).astype(b_v.dtype());
    ops::matmul(&scaled, &mh(u))
}

/// Joins the blocks of a tangent along `axis`, promoting them first as `jnp.concatenate` does
/// (a weakly typed input gives weakly typed blocks next to strong ones).
fn concatenate(blocks: &[&Array], axis: usize) -> Array {
    let promoted = ops::promote_dtypes(blocks);
    let refs: Vec<&Array> = promoted.iter().collect();
    ops::concatenate(&refs, axis)
}

/// The transpose of the last two axes.
pub(crate) fn mt(x: &Array) -> Array {
    ops::matrix_transpose(x)
}

/// The conjugate transpose of the last two axes (JAX's `_H`; the transpose for real arrays).
pub(crate) fn mh(x: &Array) -> Array {
    ops::conj(&mt(x))
}

/// Panics with JAX's messages unless `x` is a float or complex array of rank 2 or more (the
/// rank is checked first, as JAX's decompositions do; the dtype check is the solve family's).
pub(crate) fn check_operand(name: &str, x: &ShapeDtype) {
    if x.ndim() < 2 {
        panic!(
            "Input 0 to {name} must have rank at least 2, but got shape={} (operand {x})",
            rules::py_tuple(&x.shape)
        );
    }
    super::cholesky::check_linalg_operand(name, 0, x, 2);
}

/// The batch dimensions and the matrix size `(m, n)` of an operand of rank 2 or more.
pub(crate) fn split_matrix(x: &ShapeDtype) -> (Vec<usize>, usize, usize) {
    let nd = x.ndim();
    let s = &x.shape;
    (s[..nd - 2].to_vec(), s[nd - 2], s[nd - 1])
}

/// The aval `batch + dims` with dtype `dtype` and `x`'s weak type.
pub(crate) fn matrix_aval(
    x: &ShapeDtype,
    batch: &[usize],
    dims: &[usize],
    dtype: DType,
) -> ShapeDtype {
    let shape: Vec<usize> = batch.iter().chain(dims).copied().collect();
    ShapeDtype::new(shape, dtype).with_weak(x.weak_type)
}

/// The batching rule of the decompositions: they already batch over leading axes, so the vmap
/// axis moves to the front and every output is batched there.
pub(crate) fn batch_leading(
    prim: impl Into<crate::prims::Primitive>,
    x: &Array,
    bdim: Option<usize>,
) -> (Vec<Array>, Vec<Option<usize>>) {
    let b = bdim.expect("the only operand is batched");
    let x = rules::move_axis(x, b, 0);
    let outs = bind(prim, &[&x]);
    let n = outs.len();
    (outs, vec![Some(0); n])
}

/// The number of matrices in an operand (the product of its batch dimensions).
pub(crate) fn batch_count(x: &ShapeDtype) -> usize {
    x.shape[..x.ndim() - 2].iter().product()
}

/// Builds the output arrays from one buffer per output (matrices in batch order); an empty
/// batch gives empty outputs. An output whose aval is real while `T` is complex (eigenvalues
/// and singular values of a complex matrix, computed in `T`) keeps the real parts.
pub(crate) fn wrap_outputs<T: LinalgScalar>(outs: Vec<Vec<T>>, avals: &[ShapeDtype]) -> Vec<Array> {
    let mut outs = outs.into_iter();
    avals
        .iter()
        .map(|aval| {
            let v = outs.next().unwrap_or_default();
            let storage = if aval.dtype == T::DTYPE {
                T::into_storage(v)
            } else {
                T::Real::into_storage(v.iter().map(math_utils::real).collect())
            };
            Array::from_storage(storage, aval.shape.clone()).with_weak_type(aval.weak_type)
        })
        .collect()
}

/// The elements of one matrix from which QR and `eig` use faer's threads. Below it faer's task
/// splitting costs more than it gains: QR of 256 × 256 took 7.2 ms in parallel and 2.2 ms
/// sequentially on 2 cores (AMD EPYC), 2.5 and 1.5 on an Intel Xeon.
pub(crate) const THREADS_FROM: usize = 512 * 512;

/// The elements of one matrix from which `eigh` and `svd` use faer's threads, lower than
/// [`THREADS_FROM`]: their divide-and-conquer stage splits the tridiagonal (bidiagonal) problem
/// into halves as large as the leaves allow, and solves them on both threads. At n = 256 (2
/// cores, Intel Xeon) `eigh` went from 3.44 to 3.13 ms in f32 and from 5.64 to 5.24 in f64,
/// `svd` in f32 from 6.88 to 6.44.
pub(crate) const DIVIDE_AND_CONQUER_THREADS_FROM: usize = 256 * 256;

/// Whether one matrix of `elements` elements gets faer's threads in [`map_matrices`].
fn single_matrix_threads(elements: usize, threads_from: usize) -> bool {
    elements >= threads_from
}

/// Whether [`map_matrices`] over `count` `m × n` matrices starts a parallel loop: across a
/// batch, or inside one large matrix.
pub(crate) fn map_matrices_is_parallel(
    count: usize,
    m: usize,
    n: usize,
    threads_from: usize,
) -> bool {
    let mn = m * n;
    mn > 0 && (count > 1 || (count == 1 && single_matrix_threads(mn, threads_from)))
}

/// Runs `kernel` on each of the `count` row-major `m × n` matrices of `data` and
/// concatenates each output over the batch. One matrix of `threads_from` elements or more gets
/// faer's own rayon parallelism, a smaller one runs sequentially; a batch runs one matrix per
/// rayon task, each sequential inside.
pub(crate) fn map_matrices<T, U, F>(
    data: &[T],
    count: usize,
    m: usize,
    n: usize,
    threads_from: usize,
    kernel: F,
) -> Vec<Vec<U>>
where
    T: Copy + Send + Sync,
    U: Copy + Send,
    F: Fn(MatRef<'_, T>, Par) -> Vec<Vec<U>> + Sync,
{
    let mn = m * n;
    let per: Vec<Vec<Vec<U>>> = if mn == 0 {
        // Empty matrices still have outputs (an identity `q`, empty `r`): run the kernel on an
        // empty view once per matrix.
        (0..count)
            .map(|_| kernel(MatRef::from_row_major_slice(&[], m, n), Par::Seq))
            .collect()
    } else {
        let run = |a: &[T], par: Par| {
            let t = super::column_major::to_column_major(a, m, n);
            kernel(MatRef::from_column_major_slice(&t, m, n), par)
        };
        if count == 1 && single_matrix_threads(mn, threads_from) {
            vec![run(data, Par::rayon(0))]
        } else if count == 1 {
            vec![run(data, Par::Seq)]
        } else {
            data.par_chunks(mn).map(|a| run(a, Par::Seq)).collect()
        }
    };
    concat_outputs(per)
}

/// Joins each output's per-matrix buffers. With no matrices there is nothing to join, and
/// [`wrap_outputs`] makes the empty outputs from the avals.
fn concat_outputs<T: Copy>(mut per: Vec<Vec<Vec<T>>>) -> Vec<Vec<T>> {
    if per.len() == 1 {
        // One matrix: its outputs are the batch's, without another copy.
        return per.pop().expect("one matrix");
    }
    let Some(first) = per.first() else {
        return Vec::new();
    };
    let mut outs: Vec<Vec<T>> = first
        .iter()
        .map(|o| Vec::with_capacity(o.len() * per.len()))
        .collect();
    for mats in &per {
        for (acc, o) in outs.iter_mut().zip(mats) {
            acc.extend_from_slice(o);
        }
    }
    outs
}

/// A faer matrix as a row-major buffer.
pub(crate) fn row_major<T: Copy>(a: MatRef<'_, T>) -> Vec<T> {
    let (r, c) = a.shape();
    if r == 0 || c == 0 {
        return Vec::new();
    }
    if a.row_stride() != 1 {
        return (0..r)
            .flat_map(|i| (0..c).map(move |j| a[(i, j)]))
            .collect();
    }
    // Any value will do: every element is overwritten.
    let mut v = vec![a[(0, 0)]; r * c];
    let column = |j: usize| {
        a.col(j)
            .try_as_col_major()
            .expect("a unit row stride makes every column contiguous")
            .as_slice()
    };
    super::column_major::columns_to_row_major(r, c, column, &mut v);
    v
}

/// The QR factors of one matrix: Householder factorisation in place on a copy, then `q` by
/// applying the reflectors to the first `k` columns of the identity. Complex matrices, and
/// real ones with a non-finite entry, take LAPACK's unblocked algorithm ([`unblocked_qr`]):
/// faer's complex reflectors leave a complex diagonal in `r`, where LAPACK's make it real.
fn qr_kernel<T: LinalgScalar>(a: MatRef<'_, T>, full: bool, par: Par) -> Vec<Vec<T>> {
    let (m, n) = a.shape();
    let size = m.min(n);
    let k = if full { m } else { size };
    if T::DTYPE.is_complex() || !all_finite(a) {
        return unblocked_qr(a, k);
    }
    let mut qr = a.to_owned();
    let block = linalg::qr::no_pivoting::factor::recommended_block_size::<T>(m, n).max(1);
    let mut coeff = Mat::<T>::zeros(block, size);
    linalg::qr::no_pivoting::factor::qr_in_place(
        qr.as_mut(),
        coeff.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(
            linalg::qr::no_pivoting::factor::qr_in_place_scratch::<T>(
                m,
                n,
                block,
                par,
                Default::default(),
            ),
        )),
        Default::default(),
    );
    let mut q = Mat::<T>::identity(m, k);
    linalg::householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
        qr.as_ref().get(.., ..size),
        coeff.as_ref(),
        faer::Conj::No,
        q.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(
            linalg::householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<T>(
                m, block, k,
            ),
        )),
    );
    // `r`: the upper triangle of the factored rows, then zero rows up to `k`.
    let mut r = row_major(qr.as_ref().get(..size, ..));
    for (i, row) in r.chunks_mut(n.max(1)).enumerate() {
        row[..i.min(n)].fill(math_utils::zero::<T>());
    }
    r.resize(k * n, math_utils::zero::<T>());
    vec![row_major(q.as_ref()), r]
}

/// LAPACK's unblocked QR (`geqr2`, then `ung2r` for the `k` columns of `q`). For complex
/// matrices it gives LAPACK's factors (`larfg` makes each `r_ii` real, `-sign(re x_ii)` times
/// the column norm). For real inputs with non-finite entries NaN spreads to exactly the
/// entries it spreads to in JAX on CPU: a real reflector of length one is the identity
/// (`tau = 0`), and a reflector is applied only when `tau != 0`, so the columns before the
/// first non-finite one stay finite.
fn unblocked_qr<T: LinalgScalar>(a: MatRef<'_, T>, k: usize) -> Vec<Vec<T>> {
    let (m, n) = a.shape();
    let size = m.min(n);
    let zero = math_utils::zero::<T>();
    let one = math_utils::one::<T>();
    let mut r = a.to_owned();
    let mut taus = vec![zero; size];
    let mut vs = Vec::with_capacity(size);
    for i in 0..size {
        // `larfg`: the reflector mapping r[i.., i] to beta e_1 with a real beta.
        let alpha = r[(i, i)];
        let (alpha_re, alpha_im) = (math_utils::real(&alpha), math_utils::imag(&alpha));
        let xnorm = (i + 1..m)
            .map(|p| math_utils::abs2(&r[(p, i)]))
            .fold(math_utils::zero::<T::Real>(), |acc, x| acc + x)
            .sqrt();
        let mut v = vec![one];
        // A real reflector of length one is the identity (`dlarfg` returns for n <= 1);
        // `zlarfg` still rotates a complex alpha onto the real axis.
        let needed = if T::DTYPE.is_complex() {
            xnorm != math_utils::zero::<T::Real>() || alpha_im != math_utils::zero::<T::Real>()
        } else {
            m - i > 1 && xnorm != math_utils::zero::<T::Real>()
        };
        if needed {
            let norm = alpha_re.hypot(alpha_im).hypot(xnorm);
            let beta = if alpha_re >= math_utils::zero::<T::Real>() {
                -norm
            } else {
                norm
            };
            let beta_c = math_utils::from_real::<T>(&beta);
            taus[i] = (beta_c - alpha) / beta_c;
            let scale = math_utils::recip(&(alpha - beta_c));
            for p in i + 1..m {
                r[(p, i)] *= scale;
            }
            r[(i, i)] = beta_c;
        }
        v.extend((i + 1..m).map(|p| r[(p, i)]));
        // geqr2 applies H(i)ᴴ, whose tau is conj(tau).
        apply_reflector(&v, math_utils::conj(&taus[i]), i..m, i + 1..n, &mut r);
        vs.push(v);
    }
    // `ung2r`: q = H_0 ... H_{size-1} applied to the first k columns of the identity.
    let mut q = Mat::<T>::zeros(m, k);
    for j in size..k {
        q[(j, j)] = one;
    }
    for i in (0..size).rev() {
        if i + 1 < k {
            q[(i, i)] = one;
            apply_reflector(&vs[i], taus[i], i..m, i + 1..k, &mut q);
        }
        for p in i + 1..m {
            q[(p, i)] = -taus[i] * vs[i][p - i];
        }
        q[(i, i)] = one - taus[i];
        for p in 0..i {
            q[(p, i)] = zero;
        }
    }
    let mut rk = Vec::with_capacity(k * n);
    for i in 0..k {
        for j in 0..n {
            rk.push(if j >= i && i < size { r[(i, j)] } else { zero });
        }
    }
    vec![row_major(q.as_ref()), rk]
}

/// Applies `H = I - tau v vᴴ` to the rows `rows` of `c`'s columns `cols` (LAPACK's `larf`,
/// which skips `tau = 0`).
fn apply_reflector<T: LinalgScalar>(
    v: &[T],
    tau: T,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    c: &mut Mat<T>,
) {
    if tau == math_utils::zero::<T>() {
        return;
    }
    for j in cols {
        let w = rows
            .clone()
            .zip(v)
            .fold(math_utils::zero::<T>(), |acc, (i, vi)| {
                acc + math_utils::conj(vi) * c[(i, j)]
            });
        for (i, &vi) in rows.clone().zip(v) {
            c[(i, j)] -= tau * vi * w;
        }
    }
}
