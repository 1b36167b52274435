//! The open variant through which higher-order primitives join [`Primitive`]: primitives that
//! hold sub-programs or user closures (`cond`, `while`, `scan`, `custom_jvp_call`,
//! `custom_vjp_call`, `custom_lin`, `pure_callback`).
//!
//! They live in [`crate::higher_order`], a layer above the jaxpr interpreters they are written
//! with (as JAX keeps `lax/control_flow/` above `ad`, `batching` and `pe`). The first-order
//! layer knows them only through `HigherOrderRule` (crate-private): the transformation rules every primitive
//! has, plus the hooks staging and the optimiser need, so nothing here imports the layer above.

use super::{LinearArg, Primitive, PrimitiveRule};
use crate::array::{Array, ShapeDtype};
use crate::trace::staging::StagingTrace;
use std::any::{Any, TypeId};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Equality and hashing through `dyn`, so a boxed higher-order primitive can key a compile
/// cache like any other primitive. Implemented for every `Eq + Hash` type.
pub(crate) trait DynKey: Any {
    /// `self` as `Any`, for downcasting.
    fn as_any(&self) -> &dyn Any;
    /// Equal to `other` (false when `other` is of another type).
    fn dyn_eq(&self, other: &dyn Any) -> bool;
    /// Hashes the type and the value.
    fn dyn_hash(&self, state: &mut dyn Hasher);
}

impl<T: Any + Eq + Hash> DynKey for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn dyn_eq(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<T>().is_some_and(|o| o == self)
    }
    fn dyn_hash(&self, mut state: &mut dyn Hasher) {
        TypeId::of::<T>().hash(&mut state);
        self.hash(&mut state);
    }
}

/// What a higher-order primitive provides beyond [`PrimitiveRule`]. Crate-private: the
/// set of higher-order primitives is the library's (users build on `custom_jvp`, `custom_vjp`,
/// `pure_callback` and the control-flow functions).
pub(crate) trait HigherOrderRule: PrimitiveRule + DynKey + fmt::Debug + Send + Sync {
    /// Whether running the primitive can have an effect besides its outputs (an `error_if` or
    /// a debug callback in a sub-program), so dead-code elimination must keep it. Effects come
    /// from the sub-programs: a `cond` whose branch checks a value is as effectful as the check.
    fn has_effect(&self) -> bool {
        false
    }

    /// Linearize's hook, called by the partial staging trace when some operands are known
    /// (values now) and others unknown (`unknown[i]`: staged tangents): run the known part now
    /// and stage the unknown part on `trace`. `None` stages the whole equation.
    fn partial_eval(
        &self,
        trace: &StagingTrace,
        args: &[&Array],
        unknown: &[bool],
    ) -> Option<Vec<Array>> {
        let _ = (trace, args, unknown);
        None
    }

    /// Partial evaluation of a staged equation whose operands are partly unknown
    /// (`in_unknown`): split it into an equation computing what the known operands determine
    /// and one for the rest (JAX's `partial_eval_jaxpr_custom` rule for `cond`). `None` leaves
    /// the equation whole, every output unknown.
    fn split_unknown(&self, in_unknown: &[bool]) -> Option<EqnSplit> {
        let _ = in_unknown;
        None
    }
}

/// The two halves of an equation with partly unknown operands (see
/// `HigherOrderRule::split_unknown`).
pub(crate) struct EqnSplit {
    /// Which outputs depend on an unknown operand.
    pub unknown_out: Vec<bool>,
    /// The equation computing the other outputs from the known operands (`None` when every
    /// output is unknown).
    pub known: Option<Primitive>,
    /// The equation computing the unknown outputs from every operand (`None` when no output is
    /// unknown).
    pub unknown: Option<Primitive>,
}

/// A higher-order primitive inside [`Primitive::HigherOrder`] (a `cond`, `scan`, custom
/// derivative, ...; see [`crate::higher_order`]). Equal when the rules are of one type and
/// compare equal.
#[derive(Clone)]
pub struct HigherOrderPrim(pub(crate) Arc<dyn HigherOrderRule>);

impl HigherOrderPrim {
    /// Wraps a rule.
    pub(crate) fn new(rule: impl HigherOrderRule + 'static) -> HigherOrderPrim {
        HigherOrderPrim(Arc::new(rule))
    }

    /// The rule as its concrete type, if it is a `T`.
    pub(crate) fn downcast<T: HigherOrderRule + 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref::<T>()
    }
}

impl PartialEq for HigherOrderPrim {
    fn eq(&self, other: &Self) -> bool {
        self.0.dyn_eq(other.0.as_any())
    }
}

impl Eq for HigherOrderPrim {}

impl Hash for HigherOrderPrim {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.dyn_hash(state);
    }
}

impl fmt::Debug for HigherOrderPrim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PrimitiveRule for HigherOrderPrim {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        self.0.abstract_eval(args)
    }
    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        self.0.eval(args, out)
    }
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        self.0.jvp(primals, tangents)
    }
    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        self.0.transpose(cts, args)
    }
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        self.0.batch(args, dims, axis_size)
    }
    fn params(&self) -> Vec<(&'static str, String)> {
        self.0.params()
    }
    fn lower(
        &self,
        cx: &mut crate::jaxpr::stablehlo::LoweringContext,
        args: &[crate::jaxpr::stablehlo::Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<crate::jaxpr::stablehlo::Value>, crate::jaxpr::stablehlo::LoweringError> {
        self.0.lower(cx, args, out)
    }
}

impl Primitive {
    /// The higher-order rule inside, if this is a higher-order primitive of type `T`.
    pub(crate) fn higher_order<T: HigherOrderRule + 'static>(&self) -> Option<&T> {
        match self {
            Primitive::HigherOrder(h) => h.downcast::<T>(),
            _ => None,
        }
    }
}
