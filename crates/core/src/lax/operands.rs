//! The operand rule shared by the `jax.lax` elementwise functions: lax does not promote.

use crate::array::Array;
use crate::prims::ops::convert;

/// The operands of the lax function `op`, all of one dtype: like JAX, weakly typed operands
/// (Rust scalars, JAX's Python scalars) take the dtype of the strongly typed ones; any other
/// mismatch panics as JAX does (`lax.add requires arguments to have the same dtypes, got
/// float32, int32.`).
pub(crate) fn same_dtypes(op: &str, args: &[&Array]) -> Vec<Array> {
    let first = args[0].dtype();
    if args.iter().all(|a| a.dtype() == first) {
        return args.iter().map(|a| (*a).clone()).collect();
    }
    let strong: Vec<_> = args
        .iter()
        .filter(|a| !a.weak_type())
        .map(|a| a.dtype())
        .collect();
    let target = match strong.first() {
        Some(&d) if strong.iter().all(|&s| s == d) => Some(d),
        _ => None,
    };
    match target {
        Some(d) => args
            .iter()
            .map(|a| {
                if a.dtype() == d {
                    (*a).clone()
                } else {
                    convert(a, d, false)
                }
            })
            .collect(),
        None => {
            let names: Vec<String> = args.iter().map(|a| a.dtype().to_string()).collect();
            panic!(
                "lax.{op} requires arguments to have the same dtypes, got {}.",
                names.join(", ")
            )
        }
    }
}
