//! Runtime checks and host calls that work inside transformations: Equinox's `eqx.error_if`,
//! `eqx.branched_error_if`, `jax.pure_callback`, `jax.debug.callback` and `jax.debug.print`.

use crate::array::{Array, ShapeDtype};
use crate::higher_order::callback::PureCallback;
use crate::numpy as jnp;
use crate::prims::bind1;
use crate::prims::debug_callback::DebugCallback;
pub use crate::prims::error_check::RuntimeCheckFailed;
use crate::prims::error_check::{ErrorCheck, FailureMode};
use crate::tree::{self, PyTree};
use std::sync::{Arc, OnceLock};

/// What [`error_if`] and [`branched_error_if`] do when the predicate holds (Equinox's
/// `on_error`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OnError {
    /// The process default: the `EQX_ON_ERROR` environment variable (`raise`, `nan` or
    /// `off`, read once), else `Raise`.
    #[default]
    Default,
    /// Fail at run time: unwind with a [`RuntimeCheckFailed`] payload ([`checked`] turns it
    /// into an `Err`).
    Raise,
    /// Return `x` filled with NaN (integers: their maximum; booleans: `true`) and carry on.
    Nan,
    /// No check at all: `x` is returned as it is, at no cost.
    Off,
}

impl OnError {
    /// `Default` resolved from `EQX_ON_ERROR`; the others as they are.
    ///
    /// Panics on a value of `EQX_ON_ERROR` other than `raise`, `nan` or `off` (Equinox's
    /// `breakpoint` has no equivalent here: use `raise` and a debugger's breakpoint on
    /// `rust_panic`).
    pub fn resolve(self) -> OnError {
        static FROM_ENV: OnceLock<Result<OnError, String>> = OnceLock::new();
        match self {
            OnError::Default => FROM_ENV
                .get_or_init(|| match std::env::var("EQX_ON_ERROR").as_deref() {
                    Err(_) | Ok("raise") => Ok(OnError::Raise),
                    Ok("nan") => Ok(OnError::Nan),
                    Ok("off") => Ok(OnError::Off),
                    Ok(other) => Err(format!(
                        "Unrecognised value for `EQX_ON_ERROR`: {other:?}. Valid values are \
                         `EQX_ON_ERROR=raise`, `EQX_ON_ERROR=nan`, and `EQX_ON_ERROR=off` \
                         (`breakpoint` is not supported: use `raise` and break on `rust_panic`)."
                    )),
                })
                .clone()
                .unwrap_or_else(|msg| panic!("{msg}")),
            mode => mode,
        }
    }
}

/// Options of [`error_if_with`] and [`branched_error_if_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ErrorIfOptions {
    /// What a failed check does.
    pub on_error: OnError,
}

/// `eqx.error_if`: returns `x`, and fails at run time with `message` if any element of `pred`
/// is true. Works eagerly and inside `jit` (the check is part of the compiled program), `vmap`
/// (any lane failing fails) and `grad` (the check runs in the forward pass).
///
/// The failure unwinds with a [`RuntimeCheckFailed`] payload; [`checked`] turns it into an
/// `Err` for the caller. Use the returned value: a check whose result is unused may be removed
/// from a compiled program, as in Equinox. The `EQX_ON_ERROR` environment variable changes
/// what a failure does (see [`OnError`]; [`error_if_with`] chooses per check).
///
/// ```
/// use equinox_core::{debug, numpy as jnp, transforms::jit, Array};
/// let safe_log = jit(|x: &Array| debug::error_if(x, &jnp::less_equal(x, &jnp::zeros_like(x)), "log of a non-positive number").log());
/// assert!(debug::checked(|| safe_log(&Array::from_vec(vec![1.0f32, 2.0], [2]))).is_ok());
/// let err = debug::checked(|| safe_log(&Array::from_vec(vec![1.0f32, -2.0], [2]))).unwrap_err();
/// assert_eq!(err.message, "log of a non-positive number");
/// ```
pub fn error_if(x: &Array, pred: &Array, message: &str) -> Array {
    error_if_with(x, pred, message, ErrorIfOptions::default())
}

/// [`error_if`] with options: what a failure does.
///
/// ```
/// use equinox_core::{debug, numpy as jnp, Array};
/// use debug::{ErrorIfOptions, OnError};
/// let x = Array::from_vec(vec![1.0f32, -2.0], [2]);
/// let nan = ErrorIfOptions { on_error: OnError::Nan };
/// let y = debug::error_if_with(&x, &jnp::less(&x, &jnp::zeros_like(&x)), "negative", nan);
/// assert!(y.to_vec::<f32>().iter().all(|v| v.is_nan()));
/// ```
pub fn error_if_with(x: &Array, pred: &Array, message: &str, options: ErrorIfOptions) -> Array {
    branched_error_if_with(x, pred, &Array::scalar(0i32), &[message], options)
}

/// `eqx.branched_error_if`: as [`error_if`], failing with `messages[index]`. Under `vmap`
/// the largest index of the batch chooses, as in Equinox; a failing check whose index is
/// out of range panics with a message saying so (Equinox: `IndexError`).
///
/// ```
/// use equinox_core::{debug, numpy as jnp, transforms::jit, Array};
/// let check = jit(|x: &Array, code: &Array| {
///     debug::branched_error_if(x, &jnp::greater(code, &Array::scalar(0i32)), code, &["ok", "too small", "too big"])
/// });
/// let err = debug::checked(|| check(&jnp::ones([2]), &Array::scalar(2i32))).unwrap_err();
/// assert_eq!(err.message, "too big");
/// ```
pub fn branched_error_if(x: &Array, pred: &Array, index: &Array, messages: &[&str]) -> Array {
    branched_error_if_with(x, pred, index, messages, ErrorIfOptions::default())
}

/// [`branched_error_if`] with options: what a failure does.
pub fn branched_error_if_with(
    x: &Array,
    pred: &Array,
    index: &Array,
    messages: &[&str],
    options: ErrorIfOptions,
) -> Array {
    assert!(
        !messages.is_empty(),
        "branched_error_if: at least one message is needed"
    );
    let mode = match options.on_error.resolve() {
        OnError::Off => return x.clone(),
        OnError::Nan => FailureMode::Nan,
        _ => FailureMode::Raise,
    };
    bind1(
        ErrorCheck {
            messages: messages.iter().map(|m| m.to_string()).collect(),
            mode,
        },
        &[x, pred, index],
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
