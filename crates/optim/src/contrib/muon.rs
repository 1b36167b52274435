//! Muon (`optax.contrib.muon`, `scale_by_muon`, `MuonDimensionNumbers` and the Newton-Schulz
//! orthogonalisation): momentum orthogonalised by a Newton-Schulz iteration for matrices,
//! AdamW for the other parameters.

use std::fmt;
use std::sync::Arc;

use equinox_core::tree::{self, KeyPath, PyTree};
use equinox_core::{numpy as jnp, s, Array, DType};
use equinox_macros::Module;

use super::hyper::{bias_correction_xla, div_by_broadcast};
use crate::base::{check_state_tree, EmptyState, GradientTransformation};
use crate::numerics::{cast, safe_increment, update_moment, zero_count, zeros_like};
use crate::{
    adamw_with_options, AdamOptions, AdamW, AdamWOptions, AddDecayedWeights, Mask, Masked,
    MaskedState, ScalarOrSchedule, ScaleByLearningRate,
};

/// Which axes of a parameter are a matrix's rows (`reduction_axis`, the fan-in) and columns
/// (`output_axis`, the fan-out); the other axes are a batch of matrices
/// (`optax.contrib.MuonDimensionNumbers`; negative axes count from the end).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MuonDimensionNumbers {
    /// The fan-in axes (default `[0]`).
    pub reduction_axis: Vec<isize>,
    /// The fan-out axes (default `[1]`).
    pub output_axis: Vec<isize>,
}

impl Default for MuonDimensionNumbers {
    fn default() -> Self {
        MuonDimensionNumbers {
            reduction_axis: vec![0],
            output_axis: vec![1],
        }
    }
}

impl MuonDimensionNumbers {
    /// The dimension numbers with single reduction and output axes.
    pub fn new(reduction_axis: isize, output_axis: isize) -> Self {
        MuonDimensionNumbers {
            reduction_axis: vec![reduction_axis],
            output_axis: vec![output_axis],
        }
    }

    /// The axes normalised to `0..ndim`: (reduction, output).
    fn normalized(&self, ndim: usize) -> (Vec<usize>, Vec<usize>) {
        let norm = |axes: &[isize]| -> Vec<usize> {
            axes.iter()
                .map(|&a| a.rem_euclid(ndim as isize) as usize)
                .collect()
        };
        (norm(&self.reduction_axis), norm(&self.output_axis))
    }

    /// As Python prints Optax's: `MuonDimensionNumbers(reduction_axis=0, output_axis=1)`, a
    /// single axis as an integer.
    fn py_repr(&self) -> String {
        let axes = |a: &[isize]| match a {
            [one] => one.to_string(),
            _ => format!(
                "({})",
                a.iter()
                    .map(isize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!(
            "MuonDimensionNumbers(reduction_axis={}, output_axis={})",
            axes(&self.reduction_axis),
            axes(&self.output_axis)
        )
    }

    /// (fan_in, fan_out) of `shape`.
    fn fans(&self, shape: &[usize]) -> (usize, usize) {
        let (r, o) = self.normalized(shape.len());
        (
            r.iter().map(|&a| shape[a]).product(),
            o.iter().map(|&a| shape[a]).product(),
        )
    }
}

/// The dimension numbers of each parameter, or `None` for a parameter Muon leaves to AdamW
/// (Optax's `muon_weight_dimension_numbers`, a tree or a function of the parameters; here a
/// function of each leaf's path and value).
#[derive(Clone)]
pub struct WeightDimensionNumbers(Arc<DimsFn>);

type DimsFn = dyn Fn(&KeyPath, &Array) -> Option<MuonDimensionNumbers> + Send + Sync;

impl WeightDimensionNumbers {
    /// The dimension numbers given by `f(path, leaf)`.
    pub fn new(
        f: impl Fn(&KeyPath, &Array) -> Option<MuonDimensionNumbers> + Send + Sync + 'static,
    ) -> Self {
        WeightDimensionNumbers(Arc::new(f))
    }

    fn of(&self, path: &KeyPath, leaf: &Array) -> Option<MuonDimensionNumbers> {
        (self.0)(path, leaf)
    }
}

impl fmt::Debug for WeightDimensionNumbers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WeightDimensionNumbers(..)")
    }
}

/// How a matrix is scaled before the Newton-Schulz iteration (Optax's `preconditioning`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Preconditioning {
    /// Divide by the Frobenius norm (the default).
    #[default]
    Frobenius,
    /// Fold an "almost orthogonal layer" rescaling into the first iteration (`"aol"`).
    Aol,
    /// Fold a Schatten-4-norm rescaling into the first iteration (`"schatten"`).
    Schatten,
}

impl Preconditioning {
    /// The preconditioning Optax names `name`.
    ///
    /// # Panics
    /// For a name this port does not have (Optax's message for unknown names; Optax's
    /// `"spectral"` needs a singular value decomposition, which the array library lacks).
    #[track_caller]
    pub fn from_name(name: &str) -> Preconditioning {
        match name {
            "frobenius" => Preconditioning::Frobenius,
            "aol" => Preconditioning::Aol,
            "schatten" => Preconditioning::Schatten,
            other => panic!("Unknown preconditioning {other}"),
        }
    }
}

/// The Newton-Schulz coefficients `(a, b, c)` of `x <- a x + (b A + c A^2) x`, `A = x x^T`:
/// one triple for every step, or one per step (Optax's `ns_coeffs`).
#[derive(Clone, Debug, PartialEq)]
pub enum NsCoeffs {
    /// The same coefficients at each of the `ns_steps` steps.
    Single([f64; 3]),
    /// One triple per step (their number is the number of steps).
    PerStep(Vec<[f64; 3]>),
}

impl Default for NsCoeffs {
    /// Optax's default, `(3.4445, -4.7750, 2.0315)`.
    fn default() -> Self {
        NsCoeffs::Single([3.4445, -4.7750, 2.0315])
    }
}

impl NsCoeffs {
    /// Optax's presets: `"standard"` (the default) and `"dion"` (five steps).
    ///
    /// # Panics
    /// For another name (Optax's message).
    #[track_caller]
    pub fn preset(name: &str) -> NsCoeffs {
        match name {
            "standard" => NsCoeffs::default(),
            "dion" => NsCoeffs::PerStep(vec![
                [4.0848, -6.8946, 2.9270],
                [3.9505, -6.3029, 2.6377],
                [3.7418, -5.5913, 2.3037],
                [2.8769, -3.1427, 1.2046],
                [2.8366, -3.0525, 1.2012],
            ]),
            other => panic!("Unknown ns_coeff preset string: {other}"),
        }
    }

    /// The coefficients as Optax keeps them: a float32 array of shape `(3,)` or `(n, 3)`.
    pub fn to_array(&self) -> Array {
        match self {
            NsCoeffs::Single(c) => Array::from_vec(c.iter().map(|&v| v as f32).collect(), [3]),
            NsCoeffs::PerStep(rows) => Array::from_vec(
                rows.iter().flatten().map(|&v| v as f32).collect(),
                [rows.len(), 3],
            ),
        }
    }
}

/// A shape as Python prints a tuple: `(4,)`, `(2, 3)`.
fn py_shape(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// One Newton-Schulz step with the coefficients `c` (three scalar arrays), optionally with
/// the first step's rescaling.
fn newton_schulz_step(
    x: &Array,
    c: &[Array; 3],
    first: Option<Preconditioning>,
    eps: f64,
) -> Array {
    let a = jnp::matmul(x, &x.transpose(&[1, 0]));
    let (x, a) = match first {
        Some(Preconditioning::Aol) => {
            let rescaling = jnp::maximum(&jnp::sum(&jnp::abs(&a), -1), &Array::weak_scalar(eps));
            let s = jnp::expand_dims(&jnp::rsqrt(&rescaling), -1);
            let st = s.transpose(&[1, 0]);
            (x * &s, &a * &s * &st)
        }
        Some(Preconditioning::Schatten) => {
            let norm = jnp::sqrt(&jnp::sum(&(&a * &a), ()));
            let rescaling = jnp::maximum(&norm, &Array::weak_scalar(eps));
            let s = jnp::rsqrt(&rescaling).reshape([1, 1]);
            (x * &s, &a * &jnp::integer_pow(&s, 2))
        }
        _ => (x.clone(), a),
    };
    let b = &c[1] * &a + jnp::matmul(&(&c[2] * &a), &a);
    &c[0] * &x + jnp::matmul(&b, &x)
}

/// Orthogonalises one matrix (Optax's `_orthogonalize` on a `(fan_in, fan_out)` matrix).
fn orthogonalize_matrix(
    x: &Array,
    coeffs: &Array,
    ns_steps: usize,
    preconditioning: Preconditioning,
    eps: f64,
) -> Array {
    let transposed = x.shape()[0] > x.shape()[1];
    let mut x = if transposed {
        x.transpose(&[1, 0])
    } else {
        x.clone()
    };
    if preconditioning == Preconditioning::Frobenius {
        let norm = jnp::sqrt(&jnp::sum(&(&x * &x), ()));
        x = div_by_broadcast(&x, &(norm + eps));
    }
    let coeffs = coeffs.astype(x.dtype());
    let first = match preconditioning {
        Preconditioning::Frobenius => None,
        p => Some(p),
    };
    let row = |r: &Array| -> [Array; 3] { [r.index(s![0]), r.index(s![1]), r.index(s![2])] };
    if coeffs.ndim() == 1 {
        let c = row(&coeffs);
        for i in 0..ns_steps {
            x = newton_schulz_step(&x, &c, first.filter(|_| i == 0), eps);
        }
    } else {
        for i in 0..coeffs.shape()[0] {
            let c = row(&coeffs.index(s![i as i64]));
            x = newton_schulz_step(&x, &c, first.filter(|_| i == 0), eps);
        }
    }
    if transposed {
        x.transpose(&[1, 0])
    } else {
        x
    }
}

/// The nearest semi-orthogonal matrix to `x` by a Newton-Schulz iteration
/// (`optax.contrib._muon.orthogonalize_via_newton_schulz`): `ns_steps` steps with a `(3,)`
/// coefficient array, one step per row of an `(n, 3)` one. A parameter of rank other than 2
/// needs `dimension_numbers`: its other axes are a batch of matrices.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::contrib::{orthogonalize_via_newton_schulz, NsCoeffs, Preconditioning};
/// let x = Array::from_vec(vec![3.0f32, 0.0, 0.0, 0.5], [2, 2]);
/// let o = orthogonalize_via_newton_schulz(&x, &NsCoeffs::default().to_array(), 5, Preconditioning::Frobenius, 1e-8, None);
/// // Both singular values are pushed towards 1 (Muon's coefficients stop near it).
/// let v = o.to_vec::<f32>();
/// assert!((v[0] - 1.0).abs() < 0.35 && (v[3] - 1.0).abs() < 0.35);
/// ```
///
/// # Panics
/// If `x` is not a matrix and no dimension numbers are given, if the axes overlap or the
/// coefficients' shape is neither `(3,)` nor `(n, 3)` (Optax's messages).
#[track_caller]
pub fn orthogonalize_via_newton_schulz(
    x: &Array,
    ns_coeffs: &Array,
    ns_steps: usize,
    preconditioning: Preconditioning,
    eps: f64,
    dimension_numbers: Option<&MuonDimensionNumbers>,
) -> Array {
    let default_dims = MuonDimensionNumbers::default();
    let dims = match (x.ndim(), dimension_numbers) {
        (2, _) => &default_dims,
        (_, Some(d)) => d,
        (_, None) => panic!(
            "Input must have shape (m, n) or weight dimension numbers must be provided. Got \
             shape={} and dimension_numbers=None.",
            py_shape(x.shape())
        ),
    };
    let cshape = ns_coeffs.shape();
    assert!(
        ns_coeffs.ndim() <= 2 && cshape.last() == Some(&3),
        "Newton-Schulz coefficients must have shape (3,) or (n, 3), got {}",
        py_shape(cshape)
    );
    assert!(
        x.ndim() >= 2,
        "Muon optimized parameters must have rank >= 2, got x.ndim={}",
        x.ndim()
    );
    let shape = x.shape().to_vec();
    let (reduction, output) = dims.normalized(shape.len());
    assert!(
        !reduction.iter().any(|a| output.contains(a)),
        "Normalized reduction axes and output axes must be disjoint, got {} and {}. \
         Originally dim_nums={} and x.shape={}",
        py_shape(&reduction),
        py_shape(&output),
        dims.py_repr(),
        py_shape(x.shape())
    );
    let batch: Vec<usize> = (0..shape.len())
        .filter(|a| !reduction.contains(a) && !output.contains(a))
        .collect();
    let perm: Vec<usize> = batch
        .iter()
        .chain(&reduction)
        .chain(&output)
        .copied()
        .collect();
    let prod = |axes: &[usize]| -> usize { axes.iter().map(|&a| shape[a]).product() };
    let flat = [prod(&batch), prod(&reduction), prod(&output)];
    let perm_i: Vec<isize> = perm.iter().map(|&a| a as isize).collect();
    let matrices = x.transpose(&perm_i).reshape(flat);
    let done: Vec<Array> = (0..flat[0])
        .map(|b| {
            orthogonalize_matrix(
                &matrices.index(s![b as i64]),
                ns_coeffs,
                ns_steps,
                preconditioning,
                eps,
            )
        })
        .collect();
    let done = jnp::stack(&done.iter().collect::<Vec<_>>(), 0);
    let unflat: Vec<usize> = perm.iter().map(|&a| shape[a]).collect();
    let mut inverse = vec![0isize; perm.len()];
    for (i, &a) in perm.iter().enumerate() {
        inverse[a] = i as isize;
    }
    done.reshape(unflat).transpose(&inverse)
}

/// The state of [`ScaleByMuon`] (`optax.contrib.MuonState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct MuonState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The momentum.
    pub mu: P,
    /// The Newton-Schulz coefficients (float32, `(3,)` or `(n, 3)`).
    pub ns_coeffs: Array,
}

/// The options of [`scale_by_muon_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct ScaleByMuonOptions {
    /// The Newton-Schulz coefficients (Optax's default triple).
    pub ns_coeffs: NsCoeffs,
    /// Newton-Schulz steps for a single triple (5).
    pub ns_steps: usize,
    /// The momentum decay (0.95).
    pub beta: f64,
    /// Added to the norm the matrix is divided by (1e-8).
    pub eps: f64,
    /// The dtype the momentum is kept in (default: the parameters').
    pub mu_dtype: Option<DType>,
    /// Nesterov momentum (true).
    pub nesterov: bool,
    /// Scale each result by `<momentum, result>`, the dual norm (false).
    pub adaptive: bool,
    /// The scaling before the iteration (Frobenius).
    pub preconditioning: Preconditioning,
    /// The matrix axes of each parameter (default: every parameter is a matrix).
    pub weight_dimension_numbers: Option<WeightDimensionNumbers>,
}

impl Default for ScaleByMuonOptions {
    fn default() -> Self {
        ScaleByMuonOptions {
            ns_coeffs: NsCoeffs::default(),
            ns_steps: 5,
            beta: 0.95,
            eps: 1e-8,
            mu_dtype: None,
            nesterov: true,
            adaptive: false,
            preconditioning: Preconditioning::Frobenius,
            weight_dimension_numbers: None,
        }
    }
}

/// Muon's rescaling ([`scale_by_muon`]).
#[derive(Clone, Debug, Default)]
pub struct ScaleByMuon {
    /// The options.
    pub options: ScaleByMuonOptions,
}

/// Muon's rescaling (`optax.contrib.scale_by_muon` with its defaults): Nesterov momentum,
/// bias-corrected, orthogonalised by Newton-Schulz. Every parameter must be a matrix unless
/// `weight_dimension_numbers` says otherwise.
pub fn scale_by_muon() -> ScaleByMuon {
    ScaleByMuon::default()
}

/// [`scale_by_muon`] with options.
pub fn scale_by_muon_with_options(options: ScaleByMuonOptions) -> ScaleByMuon {
    ScaleByMuon { options }
}

impl GradientTransformation for ScaleByMuon {
    type State<P: PyTree> = MuonState<P>;

    #[track_caller]
    fn init<P: PyTree>(&self, params: &P) -> MuonState<P> {
        let o = &self.options;
        if let NsCoeffs::PerStep(rows) = &o.ns_coeffs {
            assert!(
                rows.len() <= o.ns_steps,
                "Not enough coeffs to perform {} steps",
                o.ns_steps
            );
        }
        MuonState {
            count: zero_count(),
            mu: zeros_like(params, o.mu_dtype),
            ns_coeffs: o.ns_coeffs.to_array(),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &MuonState<P>,
        _: Option<&P>,
    ) -> (P, MuonState<P>) {
        check_state_tree("scale_by_muon", updates, &state.mu);
        let o = &self.options;
        let beta = o.beta;
        let mu = update_moment(updates, &state.mu, beta, 1);
        let count_inc = safe_increment(&state.count);
        let mu_hat = if o.nesterov {
            tree::map2(
                &bias_correction_xla(&mu, beta, &safe_increment(&count_inc)),
                &bias_correction_xla(updates, beta, &count_inc),
                |m, g| beta * m + (1.0 - beta) * g,
            )
        } else {
            bias_correction_xla(&mu, beta, &count_inc)
        };
        let orthogonal = tree::map_with_path(&mu_hat, |path, x| {
            let dims = o
                .weight_dimension_numbers
                .as_ref()
                .and_then(|w| w.of(path, x));
            orthogonalize_via_newton_schulz(
                x,
                &state.ns_coeffs,
                o.ns_steps,
                o.preconditioning,
                o.eps,
                dims.as_ref(),
            )
        });
        let updates = if o.adaptive {
            tree::map2(&mu_hat, &orthogonal, |x, y| jnp::sum(&(x * y), ()) * y)
        } else {
            orthogonal
        };
        let mu = cast(mu, o.mu_dtype);
        (
            updates,
            MuonState {
                count: count_inc,
                mu,
                ns_coeffs: state.ns_coeffs.clone(),
            },
        )
    }
}

/// Scales each orthogonalised update for its shape (Optax's `scale_by_shape`): by
/// `sqrt(max(1, fan_out / fan_in))`, or by `sqrt(max(fan_in, fan_out)) * consistent_rms`.
#[derive(Clone, Debug)]
pub struct ScaleByShape {
    weight_dimension_numbers: Option<WeightDimensionNumbers>,
    consistent_rms: Option<f64>,
}

impl GradientTransformation for ScaleByShape {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let updates = tree::map_with_path(updates, |path, u| {
            let dims = self
                .weight_dimension_numbers
                .as_ref()
                .and_then(|w| w.of(path, u))
                .unwrap_or_default();
            let (fan_in, fan_out) = dims.fans(u.shape());
            // Optax computes the factor as a float32 scalar: these are the same roundings.
            let factor = match self.consistent_rms {
                None => ((fan_out as f64 / fan_in as f64).max(1.0) as f32).sqrt(),
                Some(rms) => (fan_in.max(fan_out) as f32).sqrt() * rms as f32,
            };
            Array::weak_scalar(f64::from(factor)) * u
        });
        (updates, *state)
    }
}

/// The state of [`Muon`] (Optax's `PartitionState` of its two groups, keys in order).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct MuonPartitionState<A, M> {
    /// The AdamW group's state (the parameters Muon does not orthogonalise).
    pub adam: MaskedState<A>,
    /// The Muon group's state.
    pub muon: MaskedState<M>,
}

/// Muon's chain for its matrices.
type MuonChain<L> = (
    ScaleByMuon,
    ScaleByShape,
    AddDecayedWeights,
    ScaleByLearningRate<L>,
);

/// The Muon optimiser ([`muon`]).
pub struct Muon<L: ScalarOrSchedule> {
    adam: Masked<AdamW<L>>,
    muon: Masked<MuonChain<L>>,
}

/// The options of [`muon_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct MuonOptions<L> {
    /// The Newton-Schulz coefficients (Optax's default triple; [`NsCoeffs::preset`] for the
    /// named ones).
    pub ns_coeffs: NsCoeffs,
    /// Newton-Schulz steps for a single triple (5).
    pub ns_steps: usize,
    /// The momentum decay (0.95).
    pub beta: f64,
    /// Added to the norm before the iteration, and AdamW's `eps` (1e-8).
    pub eps: f64,
    /// Weight decay of the matrices (0).
    pub weight_decay: f64,
    /// Which matrices to decay (default: all).
    pub weight_decay_mask: Option<Mask>,
    /// The dtype the momenta are kept in (default: the parameters').
    pub mu_dtype: Option<DType>,
    /// Nesterov momentum, for both groups (true).
    pub nesterov: bool,
    /// Scale each result by `<momentum, result>` (false).
    pub adaptive: bool,
    /// The scaling before the iteration (Frobenius).
    pub preconditioning: Preconditioning,
    /// AdamW's `b1` (0.9).
    pub adam_b1: f64,
    /// AdamW's `b2` (0.999).
    pub adam_b2: f64,
    /// AdamW's `eps_root` (0).
    pub adam_eps_root: f64,
    /// AdamW's weight decay (0).
    pub adam_weight_decay: f64,
    /// AdamW's learning rate (default: Muon's).
    pub adam_learning_rate: Option<L>,
    /// The matrix axes of each parameter, `None` for AdamW's (default: rank-2 parameters are
    /// Muon's with axes `(0, 1)`, the others AdamW's).
    pub muon_weight_dimension_numbers: Option<WeightDimensionNumbers>,
    /// Scale to this RMS instead of Muon's width-transfer scaling (default: none).
    pub consistent_rms: Option<f64>,
}

impl<L> Default for MuonOptions<L> {
    fn default() -> Self {
        MuonOptions {
            ns_coeffs: NsCoeffs::default(),
            ns_steps: 5,
            beta: 0.95,
            eps: 1e-8,
            weight_decay: 0.0,
            weight_decay_mask: None,
            mu_dtype: None,
            nesterov: true,
            adaptive: false,
            preconditioning: Preconditioning::Frobenius,
            adam_b1: 0.9,
            adam_b2: 0.999,
            adam_eps_root: 0.0,
            adam_weight_decay: 0.0,
            adam_learning_rate: None,
            muon_weight_dimension_numbers: None,
            consistent_rms: None,
        }
    }
}

/// Muon (`optax.contrib.muon` with its defaults): rank-2 parameters get Nesterov momentum
/// orthogonalised by 5 Newton-Schulz steps and scaled by `sqrt(max(1, fan_out / fan_in))`;
/// the others get AdamW (`b1 = 0.9`, `b2 = 0.999`, Nesterov).
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{contrib, GradientTransformation};
/// let opt = contrib::muon(0.02);
/// let params = (jnp::ones([4, 4]), jnp::ones([4]));
/// let state = opt.init(&params);
/// let grads = (jnp::eye(4), jnp::ones([4]));
/// let (u, _) = opt.update(&grads, &state, Some(&params));
/// // The identity is already orthogonal: the update is -lr times (about) it.
/// assert!((u.0.to_vec::<f32>()[0] + 0.02).abs() < 0.01);
/// ```
pub fn muon<L: ScalarOrSchedule + Clone>(learning_rate: L) -> Muon<L> {
    muon_with_options(learning_rate, MuonOptions::default())
}

/// [`muon`] with options (`optax.contrib.muon`).
pub fn muon_with_options<L: ScalarOrSchedule + Clone>(
    learning_rate: L,
    options: MuonOptions<L>,
) -> Muon<L> {
    let dims = options.muon_weight_dimension_numbers.clone();
    let is_muon = {
        let dims = dims.clone();
        move |path: &KeyPath, x: &Array| match &dims {
            None => x.ndim() == 2,
            Some(d) => d.of(path, x).is_some(),
        }
    };
    let adam_lr = options
        .adam_learning_rate
        .clone()
        .unwrap_or_else(|| learning_rate.clone());
    let adam = adamw_with_options(
        adam_lr,
        AdamWOptions {
            adam: AdamOptions {
                b1: options.adam_b1,
                b2: options.adam_b2,
                eps: options.eps,
                eps_root: options.adam_eps_root,
                mu_dtype: options.mu_dtype,
                nesterov: options.nesterov,
            },
            weight_decay: options.adam_weight_decay,
            mask: None,
        },
    );
    let chain = (
        ScaleByMuon {
            options: ScaleByMuonOptions {
                ns_coeffs: options.ns_coeffs,
                ns_steps: options.ns_steps,
                beta: options.beta,
                eps: options.eps,
                mu_dtype: options.mu_dtype,
                nesterov: options.nesterov,
                adaptive: options.adaptive,
                preconditioning: options.preconditioning,
                weight_dimension_numbers: dims.clone(),
            },
        },
        ScaleByShape {
            weight_dimension_numbers: dims,
            consistent_rms: options.consistent_rms,
        },
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: options.weight_decay_mask,
        },
        learning_rate.scale_by_learning_rate(true),
    );
    let is_adam = {
        let is_muon = is_muon.clone();
        move |path: &KeyPath, x: &Array| !is_muon(path, x)
    };
    Muon {
        adam: crate::masked(adam, Mask::new(is_adam)),
        muon: crate::masked(chain, Mask::new(is_muon)),
    }
}

impl<L: ScalarOrSchedule> GradientTransformation for Muon<L> {
    type State<P: PyTree> = MuonPartitionState<
        <AdamW<L> as GradientTransformation>::State<P>,
        <MuonChain<L> as GradientTransformation>::State<P>,
    >;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        MuonPartitionState {
            adam: self.adam.init(params),
            muon: self.muon.init(params),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        let (updates, muon) = self.muon.update(updates, &state.muon, params);
        let (updates, adam) = self.adam.update(&updates, &state.adam, params);
        (updates, MuonPartitionState { adam, muon })
    }
}
