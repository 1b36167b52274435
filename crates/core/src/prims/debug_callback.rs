//! `debug_callback`: host code called for its effect (printing, logging) from a traced or
//! compiled program, with the runtime values (JAX's `debug_callback_p`).
//!
//! Unlike `pure_callback` it has no results and is never removed, merged or evaluated at
//! compile time (`compiler::optimize::has_effect`), and it runs in program order.

use super::{bind, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A host function of flat arrays, called for its effect.
pub type EffectFn = Arc<dyn Fn(&[Array]) + Send + Sync>;

/// A call of host code on the concrete values of its operands, with no results.
#[derive(Clone)]
pub struct DebugCallback {
    /// The host function.
    pub callback: EffectFn,
}

impl PartialEq for DebugCallback {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.callback, &other.callback)
    }
}

impl Eq for DebugCallback {}

impl Hash for DebugCallback {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.callback) as *const u8 as usize).hash(state);
    }
}

impl fmt::Debug for DebugCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "debug_callback")
    }
}

impl PrimitiveRule for DebugCallback {
    fn name(&self) -> &'static str {
        "debug_callback"
    }

    fn abstract_eval(&self, _args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        Vec::new()
    }

    fn eval(&self, args: &[&Array], _out: &[ShapeDtype]) -> Vec<Array> {
        let args: Vec<Array> = args.iter().map(|a| (*a).clone()).collect();
        (self.callback)(&args);
        Vec::new()
    }

    /// A host call with side effects and no results, which XLA keeps.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        _out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let callback = self.callback.clone();
        let host = Arc::new(move |xs: &[Array]| {
            callback(xs);
            Vec::new()
        });
        let operands: Vec<&Value> = args.iter().collect();
        Ok(cx.host_call(self.name(), host, &operands, &[], true))
    }

    /// As in JAX: the callback sees the primal values (once, in the forward pass); tangents
    /// are not passed to it, and there are no results to differentiate.
    fn jvp(
        &self,
        primals: &[&Array],
        _tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        bind(self.clone(), primals);
        (Vec::new(), Vec::new())
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    /// As JAX's batching rule: one call per lane, in lane order, each on that lane's values
    /// (unmapped operands passed whole).
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        for i in 0..axis_size {
            let lane = rules::lane(args, dims, i);
            let refs: Vec<&Array> = lane.iter().collect();
            bind(self.clone(), &refs);
        }
        (Vec::new(), Vec::new())
    }
}
