//! `error_check`: a runtime check that survives jit, vmap and grad (Equinox's `error_if` and
//! `branched_error_if`, with their `on_error` modes).

use super::reduce::{ReduceKind, ReduceOp};
use super::{bind, bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::ops;
use crate::DType;

/// The panic payload of a failed runtime check, so callers can tell it apart from a bug
/// (see `debug::checked`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeCheckFailed {
    /// The message given to the check.
    pub message: String,
}

impl std::fmt::Display for RuntimeCheckFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "runtime check failed: {}", self.message)
    }
}

impl std::error::Error for RuntimeCheckFailed {}

/// What a failed check does (Equinox's `on_error` / `EQX_ON_ERROR`), once resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureMode {
    /// Unwind with a [`RuntimeCheckFailed`] payload.
    Raise,
    /// Return the value filled with NaN (integers: their maximum; booleans: `true`) and
    /// carry on.
    Nan,
}

/// `error_check(x, pred, index)`: returns `x`; when any element of the boolean `pred` is true
/// at run time, fails as `mode` says, with `messages[max(index)]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ErrorCheck {
    /// The messages `index` chooses from.
    pub messages: Vec<String>,
    /// What a failure does.
    pub mode: FailureMode,
}

impl ErrorCheck {
    /// Fails with the message `index` chooses: under vmap the largest index of the batch, as
    /// in Equinox.
    fn raise(&self, index: &Array) -> ! {
        let i = index
            .astype(DType::I64)
            .to_vec::<i64>()
            .into_iter()
            .max()
            .unwrap_or(0);
        let message = usize::try_from(i)
            .ok()
            .and_then(|i| self.messages.get(i))
            .unwrap_or_else(|| {
                panic!(
                    "branched_error_if: the index {i} is out of range for {} messages",
                    self.messages.len()
                )
            });
        std::panic::panic_any(RuntimeCheckFailed {
            message: message.clone(),
        })
    }
}

/// Equinox's `_nan_like`: NaN for inexact dtypes, the maximum for integers, `true` for bool.
fn nan_like(x: &Array) -> Array {
    let d = x.dtype();
    let fill = match d {
        DType::Bool => Array::scalar(true),
        DType::U8 => Array::scalar(u8::MAX),
        DType::U16 => Array::scalar(u16::MAX),
        DType::U32 => Array::scalar(u32::MAX),
        DType::U64 => Array::scalar(u64::MAX),
        DType::I8 => Array::scalar(i8::MAX),
        DType::I16 => Array::scalar(i16::MAX),
        DType::I32 => Array::scalar(i32::MAX),
        DType::I64 => Array::scalar(i64::MAX),
        _ => Array::scalar(f64::NAN).astype(d),
    };
    ops::broadcast_to_shape(&fill, x.shape_obj(), "broadcast_to")
}

impl PrimitiveRule for ErrorCheck {
    fn name(&self) -> &'static str {
        "error_check"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 3);
        if !args[1].dtype.is_bool() {
            panic!(
                "error_if: the predicate must be boolean, got {}",
                describe(args)
            );
        }
        if !args[2].dtype.is_integer() {
            panic!(
                "branched_error_if: the index must be an integer, got {}",
                describe(args)
            );
        }
        vec![args[0].clone()]
    }

    fn eval(&self, args: &[&Array], _out: &[ShapeDtype]) -> Vec<Array> {
        if !args[1].as_slice::<bool>().iter().any(|b| *b) {
            return vec![args[0].clone()];
        }
        match self.mode {
            FailureMode::Raise => self.raise(args[2]),
            FailureMode::Nan => vec![nan_like(args[0])],
        }
    }

    /// `Nan`: a select between the value and its NaN fill. `Raise`: a host call on the
    /// predicate and index, with side effects (so XLA keeps it) and no results, that fails
    /// the program's execution with the message; the value passes through.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        _out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        match self.mode {
            FailureMode::Nan => cx.lower_function(
                &|a: &[Array]| {
                    let any = bind1(
                        ReduceOp::Reduce {
                            kind: ReduceKind::Or,
                            axes: (0..a[1].ndim()).collect(),
                        },
                        &[&a[1]],
                    );
                    vec![ops::where_(&any, &nan_like(&a[0]), &a[0])]
                },
                &args[..2],
            ),
            FailureMode::Raise => {
                let check = self.clone();
                let host = std::sync::Arc::new(move |xs: &[Array]| {
                    if xs[0].as_slice::<bool>().iter().any(|b| *b) {
                        check.raise(&xs[1]);
                    }
                    Vec::new()
                });
                cx.host_call(self.name(), host, &[&args[1], &args[2]], &[], true);
                Ok(vec![args[0].clone()])
            }
        }
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        // The value passes through unchanged, so does its tangent; the check runs on the primal.
        let out = bind(self.clone(), primals);
        (out, vec![tangents[0].cloned()])
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        // Reached only if a linear program checks a tangent: the identity in the value.
        if !args[0].is_linear() {
            rules::not_linear(self.name());
        }
        vec![cts[0].cloned(), None, None]
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        // The predicate of every lane is checked (any lane failing fails them all, as
        // Equinox's `unvmap_any`); the value keeps its batch axis.
        let out = bind(self.clone(), args);
        (out, vec![dims[0]])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("msgs", format!("{:?}", self.messages)),
            ("on_error", format!("{:?}", self.mode).to_lowercase()),
        ]
    }
}
