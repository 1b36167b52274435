//! `debug_nans` / `debug_infs` (see [`crate::config`]): finding the operation that first made
//! a NaN or an infinity.

use crate::array::Array;
use crate::config;
use crate::jaxpr::ClosedJaxpr;
use crate::prims::{eval_primitive, Primitive, PrimitiveRule};
use crate::{Complex32, Complex64, DType};
use half::{bf16, f16};

/// Whether either switch is on.
pub(crate) fn enabled() -> bool {
    config::debug_nans() || config::debug_infs()
}

/// The invalid value `x` holds under the switches that are on: `"nan"` or `"inf"`.
fn invalid_value(x: &Array) -> Option<&'static str> {
    if !x.is_concrete() || x.is_filtered_out() {
        return None;
    }
    fn scan<T: Copy>(
        xs: &[T],
        nan: impl Fn(T) -> bool,
        inf: impl Fn(T) -> bool,
    ) -> Option<&'static str> {
        if config::debug_nans() && xs.iter().any(|&v| nan(v)) {
            Some("nan")
        } else if config::debug_infs() && xs.iter().any(|&v| inf(v)) {
            Some("inf")
        } else {
            None
        }
    }
    match x.dtype() {
        DType::F16 => scan(x.as_slice::<f16>(), |v| v.is_nan(), |v| v.is_infinite()),
        DType::BF16 => scan(x.as_slice::<bf16>(), |v| v.is_nan(), |v| v.is_infinite()),
        DType::F32 => scan(x.as_slice::<f32>(), f32::is_nan, f32::is_infinite),
        DType::F64 => scan(x.as_slice::<f64>(), f64::is_nan, f64::is_infinite),
        DType::C64 => scan(
            x.as_slice::<Complex32>(),
            |v| v.is_nan(),
            |v| v.is_infinite(),
        ),
        DType::C128 => scan(
            x.as_slice::<Complex64>(),
            |v| v.is_nan(),
            |v| v.is_infinite(),
        ),
        _ => None,
    }
}

/// The first invalid value among `outs`.
fn first_invalid(outs: &[Array]) -> Option<&'static str> {
    outs.iter().find_map(invalid_value)
}

/// After an eager operation: panics as JAX's `FloatingPointError` if a result holds a NaN
/// (or an infinity) that a switch asks about.
pub(crate) fn check_eager(prim: &Primitive, outs: &[Array]) {
    if let Some(what) = first_invalid(outs) {
        panic!("invalid value ({what}) encountered in {}", prim.name());
    }
}

/// After a compiled program ran: if an output holds an invalid value, runs the program again
/// one primitive at a time on the same arguments and panics naming the first equation whose
/// result holds one (JAX's re-run of the de-optimized function).
pub(crate) fn check_compiled(program: &ClosedJaxpr, args: &[&Array], outs: &[Array]) {
    let Some(what) = first_invalid(outs) else {
        return;
    };
    let j = &program.jaxpr;
    let consts: Vec<&Array> = program.consts.iter().collect();
    crate::jaxpr::interpret(j, &consts, args, |i, eqn, ins| {
        let results = eval_primitive(&eqn.prim, ins);
        if let Some(found) = first_invalid(&results) {
            panic!(
                "invalid value ({found}) encountered in {}: equation `{}` of a compiled \
                 program (its outputs held an invalid value, so it ran again one primitive at \
                 a time; this is the first equation whose result holds one)",
                eqn.prim.name(),
                crate::jaxpr::eqn_line(j, i)
            );
        }
        results
    });
    panic!(
        "invalid value ({what}) encountered in the outputs of a compiled program, but running \
         it again one primitive at a time produced none (the compiled program rounds \
         differently)"
    );
}
