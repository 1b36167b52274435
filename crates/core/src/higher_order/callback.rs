//! `pure_callback`: calling back into host Rust code from a traced or compiled program
//! (JAX's `pure_callback_p`).

use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::higher_order_rule::{HigherOrderPrim, HigherOrderRule};
use crate::prims::{bind, ops, rules, LinearArg, Primitive, PrimitiveRule};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A host function of flat arrays.
pub type HostFn = Arc<dyn Fn(&[Array]) -> Vec<Array> + Send + Sync>;

/// A call of host code on concrete values, with declared result shapes and dtypes. The callback
/// must be pure: it may run any number of times (or not at all if its results are unused).
#[derive(Clone)]
pub struct PureCallback {
    /// The host function.
    pub callback: HostFn,
    /// The declared results.
    pub out_avals: Vec<ShapeDtype>,
}

impl PartialEq for PureCallback {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.callback, &other.callback) && self.out_avals == other.out_avals
    }
}

impl Eq for PureCallback {}

impl Hash for PureCallback {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.callback) as *const u8 as usize).hash(state);
        self.out_avals.hash(state);
    }
}

// Pure by contract, as in JAX: an unused call may be dropped.
impl HigherOrderRule for PureCallback {}

impl From<PureCallback> for Primitive {
    fn from(op: PureCallback) -> Primitive {
        Primitive::HigherOrder(HigherOrderPrim::new(op))
    }
}

impl fmt::Debug for PureCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pure_callback[{} results]", self.out_avals.len())
    }
}

impl PrimitiveRule for PureCallback {
    fn name(&self) -> &'static str {
        "pure_callback"
    }

    fn abstract_eval(&self, _args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        self.out_avals.clone()
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let args: Vec<Array> = args.iter().map(|a| (*a).clone()).collect();
        let results = (self.callback)(&args);
        assert_eq!(
            results.len(),
            out.len(),
            "pure_callback: the callback returned {} arrays but {} were declared",
            results.len(),
            out.len()
        );
        for (i, (r, o)) in results.iter().zip(out).enumerate() {
            if r.shape() != &o.shape[..] || r.dtype() != o.dtype {
                panic!(
                    "pure_callback: result {i} of the callback is {} but {o} was declared",
                    r.aval()
                );
            }
        }
        results
    }

    /// A host call (JAX's CPU callback custom call); without side effects, so XLA may drop
    /// a call whose results are unused, as `pure_callback`'s contract allows.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let operands: Vec<&Value> = args.iter().collect();
        Ok(cx.host_call(self.name(), self.callback.clone(), &operands, out, false))
    }

    fn jvp(
        &self,
        _primals: &[&Array],
        _tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        panic!(
            "Pure callbacks do not support JVP. Please use custom_jvp to use callbacks while \
             taking gradients."
        )
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    /// JAX's `vmap_method="sequential"`: the callback runs once per lane, and the results are
    /// stacked.
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let inner = self.callback.clone();
        let dims: Vec<Option<usize>> = dims.to_vec();
        let per_lane = move |xs: &[Array]| -> Vec<Array> {
            let lanes: Vec<Vec<Array>> = (0..axis_size)
                .map(|i| inner(&rules::lane(xs, &dims, i)))
                .collect();
            let n = lanes.first().map_or(0, Vec::len);
            (0..n)
                .map(|k| {
                    // Every lane's result has the declared shape and dtype: stacking needs no
                    // promotion.
                    let parts: Vec<Array> = lanes
                        .iter()
                        .map(|l| ops::expand_dims(&l[k], &[0]))
                        .collect();
                    ops::concatenate(&parts.iter().collect::<Vec<_>>(), 0)
                })
                .collect()
        };
        let batched = PureCallback {
            callback: Arc::new(per_lane),
            out_avals: self
                .out_avals
                .iter()
                .map(|a| {
                    let mut shape = vec![axis_size];
                    shape.extend_from_slice(&a.shape);
                    ShapeDtype {
                        shape: shape.into(),
                        dtype: a.dtype,
                        weak_type: a.weak_type,
                    }
                })
                .collect(),
        };
        let outs = bind(batched, args);
        let k = outs.len();
        (outs, vec![Some(0); k])
    }
}
