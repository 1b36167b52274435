//! Hyperparameters kept in the optimiser state (`optax.inject_hyperparams`).

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use equinox_core::tree::{self, PyTree};
use equinox_core::{Array, DType};
use equinox_macros::Module;

use crate::base::{EmptyState, GradientTransformation};
use crate::numerics::{safe_increment, zero_count};
use crate::schedule::{DynSchedule, ScalarOrSchedule};

/// A hyperparameter's value at `init`: a number, or a schedule of the step count evaluated at
/// every step (Optax's numeric and callable arguments).
#[derive(Clone)]
pub enum Hyperparam {
    /// A number, kept in the state in the hyperparameter dtype.
    Value(f64),
    /// A schedule; its step count is kept in the state.
    Schedule(DynSchedule),
}

impl Hyperparam {
    /// The hyperparameter given by `schedule(count)`.
    pub fn schedule(schedule: impl Fn(&Array) -> Array + Send + Sync + 'static) -> Hyperparam {
        Hyperparam::Schedule(Arc::new(schedule))
    }
}

impl From<f64> for Hyperparam {
    fn from(v: f64) -> Hyperparam {
        Hyperparam::Value(v)
    }
}

impl fmt::Debug for Hyperparam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hyperparam::Value(v) => write!(f, "Value({v})"),
            Hyperparam::Schedule(_) => f.write_str("Schedule(..)"),
        }
    }
}

/// The step count of a scheduled hyperparameter (`optax.WrappedScheduleState`).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct WrappedScheduleState {
    /// Steps taken so far (`int32`).
    pub count: Array,
}

/// The state of [`InjectHyperparams`] (Optax's `InjectStatefulHyperparamsState`, which
/// `optax.inject_hyperparams` returns), leaves in Optax's order: the count, the
/// hyperparameters by name, the schedules' counts by name, the inner state.
///
/// Setting a value in `hyperparams` changes the next step, with no rebuilding (and, in a
/// jitted step taking the state as an argument, no recompiling).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct InjectHyperparamsState<S> {
    /// Steps taken so far (`int32`).
    pub count: Array,
    /// The current value of every hyperparameter, by name.
    pub hyperparams: BTreeMap<String, Array>,
    /// The step count of every scheduled hyperparameter, by name.
    pub hyperparams_states: BTreeMap<String, WrappedScheduleState>,
    /// The inner transformation's state.
    pub inner_state: S,
}

/// The options of [`inject_hyperparams_with_options`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InjectHyperparamsOptions {
    /// The dtype the hyperparameters are kept in (default: the widest float dtype of the
    /// parameters, as Optax's `optax.tree.dtype(params, "highest")`).
    pub hyperparam_dtype: Option<DType>,
}

/// A transformation rebuilt at every step from hyperparameters kept in its state
/// ([`inject_hyperparams`]).
pub struct InjectHyperparams<F, T> {
    hyperparams: BTreeMap<String, Hyperparam>,
    factory: F,
    options: InjectHyperparamsOptions,
    inner: PhantomData<fn() -> T>,
}

impl<F: Clone, T> Clone for InjectHyperparams<F, T> {
    fn clone(&self) -> Self {
        InjectHyperparams {
            hyperparams: self.hyperparams.clone(),
            factory: self.factory.clone(),
            options: self.options,
            inner: PhantomData,
        }
    }
}

impl<F, T> fmt::Debug for InjectHyperparams<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InjectHyperparams")
            .field("hyperparams", &self.hyperparams)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Keeps the named hyperparameters in the state and builds the transformation from them at
/// every step (`optax.inject_hyperparams(factory)(**hyperparams)`): `factory` receives the
/// current values as arrays, by name, and returns the transformation. A learning rate given
/// as an [`Array`] is accepted by every optimiser (it is a [`ScalarOrSchedule`]), so
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_optim::{self as optim, GradientTransformation};
/// let opt = optim::inject_hyperparams([("learning_rate", 0.1)], |h| {
///     optim::sgd(h["learning_rate"].clone())
/// });
/// let p = vec![jnp::ones([1])];
/// let mut state = opt.init(&p);
/// let (u, _) = opt.update(&p, &state, None);
/// assert!((u[0].to_vec::<f32>()[0] + 0.1).abs() < 1e-7);
/// // A new learning rate, set in the state: the same optimiser, the next step uses it.
/// state.hyperparams.insert("learning_rate".into(), Array::scalar(0.5f32));
/// let (u, _) = opt.update(&p, &state, None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![-0.5]);
/// ```
///
/// Hyperparameters the factory reads as Rust numbers (e.g. `b1` of [`adam_with_options`](crate::adam_with_options)
/// (crate::adam_with_options), an `f64`) may still be listed, so the state has Optax's
/// leaves, but only those read from the arrays follow changes to the state.
pub fn inject_hyperparams<F, T, S, H>(
    hyperparams: impl IntoIterator<Item = (S, H)>,
    factory: F,
) -> InjectHyperparams<F, T>
where
    F: Fn(&BTreeMap<String, Array>) -> T,
    T: GradientTransformation,
    S: Into<String>,
    H: Into<Hyperparam>,
{
    inject_hyperparams_with_options(hyperparams, factory, InjectHyperparamsOptions::default())
}

/// [`inject_hyperparams`] with options (Optax's `hyperparam_dtype`).
pub fn inject_hyperparams_with_options<F, T, S, H>(
    hyperparams: impl IntoIterator<Item = (S, H)>,
    factory: F,
    options: InjectHyperparamsOptions,
) -> InjectHyperparams<F, T>
where
    F: Fn(&BTreeMap<String, Array>) -> T,
    T: GradientTransformation,
    S: Into<String>,
    H: Into<Hyperparam>,
{
    InjectHyperparams {
        hyperparams: hyperparams
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
        factory,
        options,
        inner: PhantomData,
    }
}

/// The widest float dtype among the leaves (`optax.tree.dtype(tree, "highest")` for float
/// trees), `float32` for a tree without float leaves.
fn highest_dtype<P: PyTree>(tree: &P) -> DType {
    tree::leaves(tree)
        .into_iter()
        .map(|x| x.dtype())
        .filter(|d| d.is_float())
        .max_by_key(|d| d.size_in_bytes())
        .unwrap_or(DType::F32)
}

/// Optax's `_convert_floats`: a weakly typed float (a Python number) takes `dtype`; a
/// strongly typed array is kept as it is.
fn convert_floats(x: Array, dtype: DType) -> Array {
    if x.weak_type() && x.dtype().is_float() {
        x.astype(dtype)
    } else {
        x
    }
}

impl<F, T> InjectHyperparams<F, T>
where
    F: Fn(&BTreeMap<String, Array>) -> T,
    T: GradientTransformation,
{
    fn dtype<P: PyTree>(&self, tree: &P) -> DType {
        self.options
            .hyperparam_dtype
            .unwrap_or_else(|| highest_dtype(tree))
    }
}

impl<F, T> GradientTransformation for InjectHyperparams<F, T>
where
    F: Fn(&BTreeMap<String, Array>) -> T,
    T: GradientTransformation,
{
    type State<P: PyTree> = InjectHyperparamsState<T::State<P>>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        let dtype = self.dtype(params);
        let mut hyperparams = BTreeMap::new();
        let mut hyperparams_states = BTreeMap::new();
        for (name, h) in &self.hyperparams {
            let value = match h {
                Hyperparam::Value(v) => Array::scalar(*v).astype(dtype),
                Hyperparam::Schedule(f) => {
                    let count = zero_count();
                    let v = convert_floats(f(&count), dtype);
                    hyperparams_states.insert(name.clone(), WrappedScheduleState { count });
                    v
                }
            };
            hyperparams.insert(name.clone(), value);
        }
        let inner_state = (self.factory)(&hyperparams).init(params);
        InjectHyperparamsState {
            count: zero_count(),
            hyperparams,
            hyperparams_states,
            inner_state,
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        let dtype = match params {
            Some(p) => self.dtype(p),
            None => self.dtype(updates),
        };
        let mut hyperparams: BTreeMap<String, Array> = state
            .hyperparams
            .iter()
            .map(|(k, v)| (k.clone(), convert_floats(v.clone(), dtype)))
            .collect();
        let mut hyperparams_states = BTreeMap::new();
        for (name, h) in &self.hyperparams {
            if let Hyperparam::Schedule(f) = h {
                let Some(s) = state.hyperparams_states.get(name) else {
                    panic!(
                        "inject_hyperparams: the state has no schedule count for the \
                         hyperparameter {name:?}; it was initialised by another transformation"
                    );
                };
                hyperparams.insert(name.clone(), convert_floats(f(&s.count), dtype));
                hyperparams_states.insert(
                    name.clone(),
                    WrappedScheduleState {
                        count: safe_increment(&s.count),
                    },
                );
            }
        }
        let (updates, inner_state) =
            (self.factory)(&hyperparams).update(updates, &state.inner_state, params);
        (
            updates,
            InjectHyperparamsState {
                count: safe_increment(&state.count),
                hyperparams,
                hyperparams_states,
                inner_state,
            },
        )
    }
}

/// Scales the updates by an array (Optax's `scale` with an array step size): what a learning
/// rate given as an [`Array`] builds, e.g. one read from an [`InjectHyperparamsState`].
#[derive(Clone, Debug)]
pub struct ScaleByArray {
    /// The factor (a scalar).
    pub step_size: Array,
}

impl GradientTransformation for ScaleByArray {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        (tree::map(updates, |g| &self.step_size * g), *state)
    }
}

/// A learning rate held in an array (a hyperparameter from the state, possibly traced).
impl ScalarOrSchedule for Array {
    type ByLearningRate = ScaleByArray;

    fn scale_by_learning_rate(self, flip_sign: bool) -> ScaleByArray {
        ScaleByArray {
            step_size: if flip_sign { -&self } else { self },
        }
    }
}
