//! Runtime checks and host calls that work inside transformations: Equinox's `eqx.error_if`,
//! `eqx.branched_error_if`, `jax.pure_callback`, `jax.debug.callback` and `jax.debug.print`.

use crate::array::{Array, ShapeDtype};
use crate::numpy as jnp;
use crate::prims::bind1;
use crate::prims::callback::PureCallback;
use crate::prims::debug_callback::DebugCallback;
use crate::prims::error_check::ErrorCheck;
pub use crate::prims::error_check::RuntimeCheckFailed;
use crate::tree::{self, PyTree};
use std::sync::Arc;

/// `eqx.error_if`: returns `x`, and fails at run time with `message` if any element of `pred`
/// is true. Works eagerly and inside `jit` (the check is part of the compiled program), `vmap`
/// (any lane failing fails) and `grad` (the check runs in the forward pass).
///
/// The failure unwinds with a [`RuntimeCheckFailed`] payload; [`checked`] turns it into an
/// `Err` for the caller. Use the returned value: a check whose result is unused may be removed
/// from a compiled program, as in Equinox.
///
/// ```
/// use equinox_core::{debug, numpy as jnp, transforms::jit, Array};
/// let safe_log = jit(|x: &Array| debug::error_if(x, &jnp::less_equal(x, &jnp::zeros_like(x)), "log of a non-positive number").log());
/// assert!(debug::checked(|| safe_log(&Array::from_vec(vec![1.0f32, 2.0], [2]))).is_ok());
/// let err = debug::checked(|| safe_log(&Array::from_vec(vec![1.0f32, -2.0], [2]))).unwrap_err();
/// assert_eq!(err.message, "log of a non-positive number");
/// ```
pub fn error_if(x: &Array, pred: &Array, message: &str) -> Array {
    bind1(
        ErrorCheck {
            message: message.to_string(),
        },
        &[x, pred],
    )
}

/// Runs `f`, turning a failed runtime check ([`error_if`]) into an `Err`. Other panics
/// propagate unchanged.
pub fn checked<R>(f: impl FnOnce() -> R) -> Result<R, RuntimeCheckFailed> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => Ok(r),
        Err(payload) => match payload.downcast::<RuntimeCheckFailed>() {
            Ok(e) => Err(*e),
            Err(other) => std::panic::resume_unwind(other),
        },
    }
}

/// `jax.pure_callback`: calls the host function `f` on the concrete values of `args` from inside
/// a traced or compiled program. `result_shape` gives the structure, shapes and dtypes of the
/// result (its leaves' values are not used; [`crate::transforms::eval_shape`] output works).
/// Under `vmap` the callback runs once per lane (JAX's `vmap_method="sequential"`); it has no
/// derivative (wrap it in `custom_jvp`/`custom_vjp` to differentiate).
///
/// ```
/// use equinox_core::{debug, numpy as jnp, transforms::jit, Array};
/// let host_cumsum = |x: &Array| {
///     let mut acc = 0.0f32;
///     Array::from_vec(x.to_vec::<f32>().into_iter().map(|v| { acc += v; acc }).collect(), x.shape())
/// };
/// let f = jit(move |x: &Array| debug::pure_callback(host_cumsum, x, x) * 2.0);
/// assert_eq!(f(&jnp::ones([3])).to_vec::<f32>(), vec![2.0, 4.0, 6.0]);
/// ```
pub fn pure_callback<T, R>(
    f: impl Fn(&T) -> R + Send + Sync + 'static,
    result_shape: &R,
    args: &T,
) -> R
where
    T: PyTree + Send + Sync + 'static,
    R: PyTree,
{
    let in_def = tree::structure(args);
    let out_avals: Vec<ShapeDtype> = tree::leaves(result_shape)
        .iter()
        .map(|l| l.aval().clone())
        .collect();
    let callback = Arc::new(move |xs: &[Array]| -> Vec<Array> {
        let r = f(&in_def.unflatten(xs.iter().cloned()));
        tree::leaves(&r).into_iter().cloned().collect()
    });
    let leaves: Vec<Array> = tree::leaves(args).into_iter().cloned().collect();
    let refs: Vec<&Array> = leaves.iter().collect();
    let outs = crate::prims::bind(
        PureCallback {
            callback,
            out_avals,
        },
        &refs,
    );
    tree::rebuild(result_shape, outs)
}

/// Whether any element of `x` is NaN, as a 0-d boolean array (for `error_if` checks).
pub fn any_nan(x: &Array) -> Array {
    jnp::isnan(x).any(None)
}

/// `jax.debug.callback`: calls `f` for its effect (logging, printing, collecting values) on
/// the runtime values of `args`, from inside `jit`, `vmap` and `grad` as well as eagerly.
///
/// The call is never removed from a compiled program, even though it returns nothing, and
/// calls run in program order. Under `vmap` it runs once per lane, in lane order, on that
/// lane's values; under `grad` it sees the primal values, once, in the forward pass.
///
/// ```
/// use equinox_core::{debug, numpy as jnp, transforms::jit, Array};
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// let f = jit(move |x: &Array| {
///     let log = log.clone();
///     debug::callback(move |x: &Array| log.lock().unwrap().push(x.to_vec::<f32>()), x);
///     x * 2.0
/// });
/// f(&jnp::ones([2]));
/// f(&jnp::zeros([2]));
/// assert_eq!(*seen.lock().unwrap(), vec![vec![1.0, 1.0], vec![0.0, 0.0]]);
/// ```
pub fn callback<T>(f: impl Fn(&T) + Send + Sync + 'static, args: &T)
where
    T: PyTree + Send + Sync + 'static,
{
    let in_def = tree::structure(args);
    let callback = Arc::new(move |xs: &[Array]| f(&in_def.unflatten(xs.iter().cloned())));
    let leaves: Vec<Array> = tree::leaves(args).into_iter().cloned().collect();
    let refs: Vec<&Array> = leaves.iter().collect();
    crate::prims::bind(DebugCallback { callback }, &refs);
}

/// `jax.debug.print`: prints `fmt` with each `{}` replaced by the runtime value of the next
/// array of `args` (or `{i}` by array `i`), as numpy's `str` prints it, followed by a
/// newline on standard output. Works where [`callback`] works: from inside `jit` (at every
/// call, with that call's values), `vmap` (a line per lane) and `grad` (the primal values).
/// `{{` and `}}` print braces.
///
/// ```
/// use equinox_core::{debug, numpy as jnp, transforms::jit, Array};
/// let f = jit(|x: &Array| {
///     let y = x.exp();
///     debug::print("x = {}, exp(x) = {}", &[x, &y]); // x = [0. 1.], exp(x) = [1. 2.7182817]
///     y
/// });
/// f(&jnp::arange(2.0));
/// ```
pub fn print(fmt: &str, args: &[&Array]) {
    // Check the format where the mistake is made (at trace time), not at run time.
    let owned: Vec<Array> = args.iter().map(|a| (*a).clone()).collect();
    format_values(fmt, &owned);
    let fmt = fmt.to_string();
    callback(
        move |xs: &Vec<Array>| {
            use std::io::Write;
            let line = format_values(&fmt, xs);
            let mut out = std::io::stdout().lock();
            // A closed stdout must not abort the program being debugged.
            let _ = writeln!(out, "{line}");
        },
        &owned,
    );
}

/// `fmt` with its placeholders replaced by the values of `xs` (numpy's `str`). Tracers print
/// nothing useful, so this runs on concrete values at run time; at trace time it only checks
/// the format (the values are not printed then).
pub fn format_values(fmt: &str, xs: &[Array]) -> String {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = fmt.chars().peekable();
    let show = |i: usize| -> String {
        let x = xs.get(i).unwrap_or_else(|| {
            panic!(
                "debug::print: the format {fmt:?} refers to argument {i}, but {} were given",
                xs.len()
            )
        });
        if x.is_concrete() {
            x.to_string()
        } else {
            String::new()
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut spec = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) => spec.push(ch),
                        None => panic!("debug::print: unclosed '{{' in the format {fmt:?}"),
                    }
                }
                let i = if spec.is_empty() {
                    next += 1;
                    next - 1
                } else {
                    spec.parse::<usize>().unwrap_or_else(|_| {
                        panic!(
                            "debug::print: placeholder {{{spec}}} in the format {fmt:?} is \
                             not supported (use {{}} or {{index}})"
                        )
                    })
                };
                out.push_str(&show(i));
            }
            '}' => panic!("debug::print: single '}}' in the format {fmt:?} (write '}}}}')"),
            c => out.push(c),
        }
    }
    out
}
