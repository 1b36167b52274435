//! Structured control flow (`jax.lax.cond`, `switch`, `while_loop`, `fori_loop`, `scan`,
//! `map`) over PyTrees. Each stages the user's functions into sub-programs and binds one
//! control-flow primitive ([`crate::higher_order::control_flow`]), so the loop or branch is itself
//! transformable: `grad` flows through `cond`, `scan` and `fori_loop` with static bounds,
//! `jvp` and `vmap` through all of them, and `jit` compiles them as one operation.

use crate::array::{Array, DType, ShapeDtype};
use crate::higher_order::control_flow::scan::ScanOp;
use crate::higher_order::control_flow::tree_staging::{
    leaf_avals, reconcile_carry, stage_tree, switch_internal,
};
use crate::higher_order::control_flow::while_loop::WhileOp;
use crate::jaxpr::rewrite::{hoist_consts, stage_flat};
use crate::prims::compare::CompareOp;
use crate::prims::ops;
use crate::prims::select::SelectOp;
use crate::prims::{bind, bind1};
use crate::tree::{self, PyTree};

/// `jax.lax.cond`: `true_fn(operands)` if `pred` else `false_fn(operands)`, as one `cond`
/// primitive (both branches are traced; only one runs). `pred` is a scalar bool, or a number
/// compared with 0. Both branches must return the same structure, shapes and dtypes.
///
/// Under `vmap` with a batched predicate, both branches run and `select_n` picks per lane.
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::scalar(3.0f32);
/// let y = lax::cond(&Array::scalar(true), |x: &Array| x * 2.0, |x: &Array| x + 1.0, &x);
/// assert_eq!(y.item::<f32>(), 6.0);
/// ```
pub fn cond<T: PyTree, R: PyTree>(
    pred: &Array,
    true_fn: impl Fn(&T) -> R,
    false_fn: impl Fn(&T) -> R,
    operands: &T,
) -> R {
    if pred.ndim() != 0 {
        panic!(
            "Pred must be a scalar, got {} of shape {:?}.",
            pred.aval(),
            pred.shape()
        );
    }
    let pred = match pred.dtype() {
        DType::Bool => pred.clone(),
        dt if dt.is_integer() || dt.is_float() => ops::compare(
            CompareOp::Ne,
            pred,
            &Array::weak_scalar(0i64).astype(dt),
            "not_equal",
        ),
        dt => panic!("Pred type must be either boolean or number, got {dt}."),
    };
    let index = pred.astype(DType::I32);
    let names = ["false_fun".to_string(), "true_fun".to_string()];
    switch_internal("cond", &names, &index, &[&false_fn, &true_fn], operands)
}

/// `jax.lax.switch`: `branches[index](operands)`, with `index` clamped to the valid range.
/// `index` is a scalar integer; all branches must return the same structure and types.
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::scalar(3.0f32);
/// let double = |x: &Array| x * 2.0;
/// let square = |x: &Array| x * x;
/// let y = lax::switch(&Array::scalar(1i32), &[&double, &square], &x);
/// assert_eq!(y.item::<f32>(), 9.0);
/// ```
pub fn switch<T: PyTree, R: PyTree>(
    index: &Array,
    branches: &[&dyn Fn(&T) -> R],
    operands: &T,
) -> R {
    if index.ndim() != 0 {
        panic!(
            "Branch index must be scalar, got {} of shape {:?}.",
            index.aval(),
            index.shape()
        );
    }
    if !index.dtype().is_integer() {
        panic!(
            "Index type must be an integer, got {} as {}",
            index.aval(),
            index.dtype()
        );
    }
    match branches.len() {
        0 => panic!("Empty branch sequence"),
        1 => return branches[0](operands),
        _ => {}
    }
    let index = index.astype(DType::I32);
    let lo = Array::scalar(0i32);
    let hi = Array::scalar(branches.len() as i32 - 1);
    let index = bind1(SelectOp::Clamp, &[&lo, &index, &hi]);
    let names: Vec<String> = (0..branches.len()).map(|i| format!("branch {i}")).collect();
    switch_internal("switch", &names, &index, branches, operands)
}

/// `jax.lax.while_loop`: `carry = body_fn(carry)` while `cond_fn(carry)`, from `init`.
/// `cond_fn` returns a scalar bool; `body_fn` returns a carry of the input's structure and
/// types (weakly typed initial leaves take the body's dtype).
///
/// Differentiable in forward mode (`jvp`) only: reverse mode through a loop with a dynamic
/// trip count panics, as in JAX; use [`scan`] or [`fori_loop`] with static bounds.
///
/// ```
/// use equinox_core::{lax, Array};
/// let (i, x) = lax::while_loop(
///     |(i, _): &(Array, Array)| equinox_core::numpy::less(i, &Array::scalar(3i32)),
///     |(i, x): &(Array, Array)| (i + 1, x * 2.0),
///     &(Array::scalar(0i32), Array::scalar(1.0f32)),
/// );
/// assert_eq!((i.item::<i32>(), x.item::<f32>()), (3, 8.0));
/// ```
pub fn while_loop<C: PyTree>(
    cond_fn: impl Fn(&C) -> Array,
    body_fn: impl Fn(&C) -> C,
    init: &C,
) -> C {
    let mut init = tree::map(init, Array::clone);
    let (body, template) = loop {
        let avals = leaf_avals(&init);
        let (body, out) = stage_tree(&body_fn, &init, &avals);
        match reconcile_carry("while_loop body", &init, &out) {
            Some(promoted) => init = promoted,
            None => break (body, out),
        }
    };
    let avals = leaf_avals(&init);
    let (cond_j, pred) = stage_tree(&cond_fn, &init, &avals);
    if pred.ndim() != 0 || pred.dtype() != DType::Bool {
        panic!(
            "cond_fun must return a boolean scalar, but got output type(s) [{}].",
            pred.aval()
        );
    }
    let (cond_j, cond_consts) = hoist_consts(cond_j);
    let (body_j, body_consts) = hoist_consts(body);
    let leaves = tree::leaves(&init);
    let mut args: Vec<&Array> = cond_consts.iter().chain(&body_consts).collect();
    args.extend(leaves.iter().copied());
    let op = WhileOp::new(cond_j, body_j, cond_consts.len(), body_consts.len());
    tree::rebuild(&template, bind(op, &args))
}

/// A bound of [`fori_loop`]: a Rust integer (static) or an integer array (static when
/// concrete, dynamic when it is traced).
#[derive(Clone, Debug)]
pub enum LoopBound {
    /// A known bound: the loop becomes a differentiable `scan`.
    Static(i64),
    /// A bound known only at run time: the loop becomes a `while_loop`.
    Dynamic(Array),
}

impl From<i64> for LoopBound {
    fn from(v: i64) -> LoopBound {
        LoopBound::Static(v)
    }
}

impl From<i32> for LoopBound {
    fn from(v: i32) -> LoopBound {
        LoopBound::Static(v.into())
    }
}

impl From<usize> for LoopBound {
    fn from(v: usize) -> LoopBound {
        LoopBound::Static(v as i64)
    }
}

impl From<Array> for LoopBound {
    fn from(v: Array) -> LoopBound {
        LoopBound::Dynamic(v)
    }
}

impl From<&Array> for LoopBound {
    fn from(v: &Array) -> LoopBound {
        LoopBound::Dynamic(v.clone())
    }
}

impl LoopBound {
    /// The bound's value if it is known now (JAX's `int(lower)` succeeding).
    fn concrete(&self) -> Option<i64> {
        match self {
            LoopBound::Static(v) => Some(*v),
            LoopBound::Dynamic(a) => {
                if a.ndim() != 0 || !a.dtype().is_integer() {
                    panic!(
                        "fori_loop: bounds must be integer scalars, got {}",
                        a.aval()
                    );
                }
                a.is_concrete().then(|| a.item::<i64>())
            }
        }
    }

    fn to_array(&self) -> Array {
        match self {
            LoopBound::Static(v) => Array::scalar(*v as i32),
            LoopBound::Dynamic(a) => a.astype(DType::I32),
        }
    }
}

/// `jax.lax.fori_loop`: `carry = body_fn(i, carry)` for `i` in `lower..upper` (`i` an int32
/// scalar). With static bounds (Rust integers or concrete arrays) it is a `scan` of
/// `upper - lower` steps, so reverse-mode differentiable; with a traced bound it is a
/// `while_loop` (forward mode only).
///
/// ```
/// use equinox_core::{lax, Array};
/// let total = lax::fori_loop(0, 5, |i: &Array, acc: &Array| acc + &i.astype(equinox_core::DType::F32), &Array::scalar(0.0f32));
/// assert_eq!(total.item::<f32>(), 10.0);
/// ```
pub fn fori_loop<C: PyTree>(
    lower: impl Into<LoopBound>,
    upper: impl Into<LoopBound>,
    body_fn: impl Fn(&Array, &C) -> C,
    init: &C,
) -> C {
    let (lower, upper) = (lower.into(), upper.into());
    if let (Some(lo), Some(hi)) = (lower.concrete(), upper.concrete()) {
        let length = (hi - lo).max(0) as usize;
        let start = Array::scalar(lo as i32);
        let ((_, out), ()) = scan_with_options(
            |(i, c): &(Array, C), _: &()| ((i + 1, body_fn(i, c)), ()),
            &(start, tree::map(init, Array::clone)),
            &(),
            ScanOptions {
                length: Some(length),
                ..Default::default()
            },
        );
        return out;
    }
    let (lo, hi) = (lower.to_array(), upper.to_array());
    let (_, _, out) = while_loop(
        |(i, hi, _): &(Array, Array, C)| ops::compare(CompareOp::Lt, i, hi, "less"),
        |(i, hi, c): &(Array, Array, C)| (i + 1, hi.clone(), body_fn(i, c)),
        &(lo, hi, tree::map(init, Array::clone)),
    );
    out
}

/// Options of [`scan_with_options`]; the defaults are JAX's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanOptions {
    /// The number of iterations: required when `xs` has no leaves (use `&()`), and must agree
    /// with the leading axes otherwise. `None` (the default) takes it from the leading axes.
    pub length: Option<usize>,
    /// Runs from the last slice to the first (each `y` lands at its slice's index). Default
    /// `false`.
    pub reverse: bool,
    /// How many iterations a compiled loop body holds (at least 1, the default); results do
    /// not depend on it.
    pub unroll: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            length: None,
            reverse: false,
            unroll: 1,
        }
    }
}

/// `jax.lax.scan(f, init, xs)`: loops `f(carry, x) -> (carry, y)` over the leading axis of
/// every leaf of `xs`, returning the final carry and the `y`s stacked along a new leading axis.
/// Differentiable in forward and reverse mode, and batchable. [`scan_with_options`] sets
/// `length`, `reverse` and `unroll`.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let xs = jnp::arange(4.0);
/// let (sum, partial) = lax::scan(
///     |c: &Array, x: &Array| (c + x, c + x),
///     &Array::scalar(0.0f32),
///     &xs,
/// );
/// assert_eq!(sum.item::<f32>(), 6.0);
/// assert_eq!(partial.to_vec::<f32>(), vec![0.0, 1.0, 3.0, 6.0]);
/// ```
pub fn scan<C: PyTree, X: PyTree, Y: PyTree>(
    f: impl Fn(&C, &X) -> (C, Y),
    init: &C,
    xs: &X,
) -> (C, Y) {
    scan_with_options(f, init, xs, ScanOptions::default())
}

/// [`scan`] with a given `length`, in `reverse`, or `unroll`ed (see [`ScanOptions`]).
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let options = lax::ScanOptions { reverse: true, ..Default::default() };
/// let (_, suffix) = lax::scan_with_options(
///     |c: &Array, x: &Array| (c + x, c + x),
///     &Array::scalar(0.0f32),
///     &jnp::arange(4.0),
///     options,
/// );
/// assert_eq!(suffix.to_vec::<f32>(), vec![6.0, 6.0, 5.0, 3.0]);
/// ```
pub fn scan_with_options<C: PyTree, X: PyTree, Y: PyTree>(
    f: impl Fn(&C, &X) -> (C, Y),
    init: &C,
    xs: &X,
    options: ScanOptions,
) -> (C, Y) {
    let ScanOptions {
        length,
        reverse,
        unroll,
    } = options;
    if unroll == 0 {
        panic!("`unroll` must be a `bool` or a positive `int`.");
    }
    let x_leaves = tree::leaves(xs);
    if let Some(x) = x_leaves.iter().find(|x| x.ndim() == 0) {
        panic!(
            "scan got value with no leading axis to scan over: {}.",
            x.aval()
        );
    }
    let lengths: Vec<usize> = x_leaves.iter().map(|x| x.shape()[0]).collect();
    let length = match length {
        Some(n) => {
            if lengths.iter().any(|l| *l != n) {
                panic!("scan got `length` argument of {n} which disagrees with leading axis sizes {lengths:?}.");
            }
            n
        }
        None => match lengths.first() {
            None => panic!("scan got no values to scan over and `length` not provided."),
            Some(&n) => {
                if lengths.iter().any(|l| *l != n) {
                    let s: Vec<String> = lengths.iter().map(|l| l.to_string()).collect();
                    panic!(
                        "scan got values with different leading axis sizes: {}.",
                        s.join(", ")
                    );
                }
                n
            }
        },
    };
    let x_avals: Vec<ShapeDtype> = x_leaves
        .iter()
        .map(|x| ShapeDtype {
            shape: x.shape()[1..].to_vec().into(),
            dtype: x.dtype(),
            weak_type: x.weak_type(),
        })
        .collect();
    let mut init = tree::map(init, Array::clone);
    let (body, carry_template, y_template) = loop {
        let mut avals = leaf_avals(&init);
        let n_carry = avals.len();
        avals.extend(x_avals.iter().cloned());
        let mut templates = None;
        let closed = stage_flat(&avals, |ins| {
            let c = tree::rebuild(&init, ins[..n_carry].iter().cloned());
            let x = tree::rebuild(xs, ins[n_carry..].iter().cloned());
            let (c_out, y) = f(&c, &x);
            let mut outs: Vec<Array> = tree::leaves(&c_out).into_iter().cloned().collect();
            outs.extend(tree::leaves(&y).into_iter().cloned());
            templates = Some((c_out, y));
            outs
        });
        let (c_out, y) = templates.expect("the body ran");
        match reconcile_carry("scan body", &init, &c_out) {
            Some(promoted) => init = promoted,
            None => break (closed, c_out, y),
        }
    };
    let (body, consts) = hoist_consts(body);
    let init_leaves = tree::leaves(&init);
    let mut args: Vec<&Array> = consts.iter().collect();
    args.extend(init_leaves.iter().copied());
    args.extend(x_leaves.iter().copied());
    let op = ScanOp {
        jaxpr: crate::higher_order::control_flow::JaxprRef::new(body),
        length,
        reverse,
        linear: vec![false; args.len()],
        unroll,
        num_consts: consts.len(),
        num_carry: init_leaves.len(),
    };
    let mut outs = bind(op, &args);
    let ys = outs.split_off(init_leaves.len());
    (
        tree::rebuild(&carry_template, outs),
        tree::rebuild(&y_template, ys),
    )
}

/// `jax.lax.map`: `f` applied to each slice of `xs` along its leading axis, results stacked
/// (a `scan` without carry).
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let ys = lax::map(|x: &Array| x.sum(None), &jnp::ones([3, 4]));
/// assert_eq!(ys.to_vec::<f32>(), vec![4.0, 4.0, 4.0]);
/// ```
pub fn map<X: PyTree, Y: PyTree>(f: impl Fn(&X) -> Y, xs: &X) -> Y {
    scan(|_: &(), x: &X| ((), f(x)), &(), xs).1
}
