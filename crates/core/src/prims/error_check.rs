//! `error_check`: a runtime check that survives jit, vmap and grad (Equinox's `error_if`).

use super::{bind, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ShapeDtype};

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

/// `error_check(x, pred)`: returns `x`; raises [`RuntimeCheckFailed`] with `message` when any
/// element of the boolean `pred` is true at run time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ErrorCheck {
    /// What the error says.
    pub message: String,
}

impl PrimitiveRule for ErrorCheck {
    fn name(&self) -> &'static str {
        "error_check"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 2);
        if !args[1].dtype.is_bool() {
            panic!(
                "error_if: the predicate must be boolean, got {}",
                describe(args)
            );
        }
        vec![args[0].clone()]
    }

    fn eval(&self, args: &[&Array], _out: &[ShapeDtype]) -> Vec<Array> {
        if args[1].as_slice::<bool>().iter().any(|b| *b) {
            std::panic::panic_any(RuntimeCheckFailed {
                message: self.message.clone(),
            });
        }
        vec![args[0].clone()]
    }

    fn jvp(&self, primals: &[&Array], tangents: &[Option<&Array>]) -> (Vec<Array>, Vec<Option<Array>>) {
        // The value passes through unchanged, so does its tangent; the check runs on the primal.
        let out = bind(self.clone(), primals);
        (out, vec![tangents[0].cloned()])
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        // Reached only if a linear program checks a tangent: the identity in the value.
        if !args[0].is_linear() {
            rules::not_linear(self.name());
        }
        vec![cts[0].cloned(), None]
    }

    fn batch(&self, args: &[&Array], dims: &[Option<usize>], _axis_size: usize) -> (Vec<Array>, Vec<Option<usize>>) {
        // The predicate of every lane is checked; the value keeps its batch axis.
        let out = bind(self.clone(), args);
        (out, vec![dims[0]])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![("msg", format!("{:?}", self.message))]
    }
}
