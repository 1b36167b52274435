//! Staging PyTree functions into the sub-programs of control-flow primitives, with JAX's
//! checks and messages for mismatched branch and carry types. Shared by the `jax.lax` control
//! flow ([`crate::lax`]) and `checkpoint` ([`crate::transforms`]).

use super::cond::CondOp;
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::rewrite::{common_consts, stage_flat};
use crate::jaxpr::ClosedJaxpr;
use crate::prims::bind;
use crate::tree::{self, PyTree};

/// Stages `f` on abstract leaves of the given avals arranged like `like`: the program and the
/// output (a structure template whose leaves are dead tracers).
pub(crate) fn stage_tree<T: PyTree, R: PyTree>(
    f: impl FnOnce(&T) -> R,
    like: &T,
    avals: &[ShapeDtype],
) -> (ClosedJaxpr, R) {
    let mut template = None;
    let closed = stage_flat(avals, |ins| {
        let out = f(&tree::rebuild(like, ins.iter().cloned()));
        let leaves = tree::leaves(&out).into_iter().cloned().collect();
        template = Some(out);
        leaves
    });
    (closed, template.expect("the function ran"))
}

pub(crate) fn leaf_avals<T: PyTree>(t: &T) -> Vec<ShapeDtype> {
    tree::leaves(t)
        .into_iter()
        .map(|l| l.aval().clone())
        .collect()
}

fn same_type(a: &ShapeDtype, b: &ShapeDtype) -> bool {
    a.shape == b.shape && a.dtype == b.dtype
}

/// JAX's `aval_mismatch_extra`.
fn mismatch(a: &ShapeDtype, b: &ShapeDtype) -> &'static str {
    match (a.dtype != b.dtype, a.shape != b.shape) {
        (true, true) => ", so the dtypes do not match and the shapes do not match",
        (true, false) => ", so the dtypes do not match",
        _ => ", so the shapes do not match",
    }
}

/// Lists differences the way JAX's control-flow errors do: one sentence, or bullets.
fn differences(diffs: &[String]) -> String {
    if diffs.len() == 1 {
        let d = &diffs[0];
        let mut c = d.chars();
        let first = c
            .next()
            .map(|f| f.to_uppercase().collect::<String>())
            .unwrap_or_default();
        format!("{first}{}.\n", c.as_str())
    } else {
        let (last, rest) = diffs.split_last().expect("at least one difference");
        let mut s: String = rest.iter().map(|d| format!("  * {d};\n")).collect();
        s.push_str(&format!("  * {last}.\n"));
        s
    }
}

/// Checks a loop body's carry output against its input (JAX's `_check_carry_type`). When they
/// differ only in the dtype of weakly typed input leaves (a Rust literal initial value), returns
/// the initial carry with those leaves converted to the body's dtype (JAX's
/// `_promote_weak_typed_inputs`), to be traced again.
pub(crate) fn reconcile_carry<C: PyTree>(name: &str, init: &C, out: &C) -> Option<C> {
    if let Some(d) = init.static_diff(out) {
        panic!(
            "{name} function carry input and carry output must have the same pytree structure, but \
             they differ:\n\nThe input carry{} and the carry output differ: {}.\n\nRevise the function so that \
             the carry output has the same pytree structure as the carry input.",
            d.path(),
            d.what()
        );
    }
    let ins = tree::leaves_with_path(init);
    let outs = tree::leaves(out);
    let mut promote = Vec::with_capacity(ins.len());
    let mut diffs = Vec::new();
    for ((path, i), o) in ins.iter().zip(&outs) {
        let (ia, oa) = (i.aval(), o.aval());
        if same_type(ia, oa) {
            promote.push(None);
        } else if ia.weak_type && ia.shape == oa.shape {
            promote.push(Some(oa.dtype));
        } else {
            let what = if path.is_empty() {
                "the input carry".to_string()
            } else {
                format!("the input carry component {path}")
            };
            diffs.push(format!(
                "{what} has type {} but the corresponding output carry component has type {}{}",
                ia.type_str(),
                oa.type_str(),
                mismatch(ia, oa)
            ));
            promote.push(None);
        }
    }
    if !diffs.is_empty() {
        panic!(
            "{name} function carry input and carry output must have equal types, but they \
             differ:\n\n{}\nRevise the function so that all output types match the corresponding \
             input types.",
            differences(&diffs)
        );
    }
    if promote.iter().all(Option::is_none) {
        return None;
    }
    let mut it = promote.into_iter();
    Some(tree::map(init, |l| match it.next().flatten() {
        Some(dt) => l.astype(dt),
        None => l.clone(),
    }))
}

/// Checks that two branches return the same structure and types (JAX's
/// `_check_tree_and_avals`).
fn check_branch_outputs<R: PyTree>(api: &str, name1: &str, name2: &str, out1: &R, out2: &R) {
    if let Some(d) = out1.static_diff(out2) {
        panic!(
            "{api} branch outputs must have the same pytree structure, but they differ:\n\n\
             {name1} output and {name2} output differ at {}: {}.\n\nRevise {name1} and/or {name2} \
             so that they have the same pytree structure.",
            d.path(),
            d.what()
        );
    }
    let diffs: Vec<String> = tree::leaves_with_path(out1)
        .into_iter()
        .zip(tree::leaves(out2))
        .filter(|((_, a), b)| !same_type(a.aval(), b.aval()))
        .map(|((p, a), b)| {
            format!(
                "the output of {name1}{p} has type {} but the corresponding output of {name2} has type {}{}",
                a.aval().type_str(),
                b.aval().type_str(),
                mismatch(a.aval(), b.aval())
            )
        })
        .collect();
    if !diffs.is_empty() {
        panic!(
            "{api} branches must have equal output types but they differ.\n\n{}\nRevise {name1} \
             and/or {name2} so that all output types match.",
            differences(&diffs)
        );
    }
}

/// Stages the branches on `operands` and binds `cond` with the int32 `index`.
pub(crate) fn switch_internal<T: PyTree, R: PyTree>(
    api: &str,
    names: &[String],
    index: &Array,
    branches: &[&dyn Fn(&T) -> R],
    operands: &T,
) -> R {
    let avals = leaf_avals(operands);
    let staged: Vec<(ClosedJaxpr, R)> = branches
        .iter()
        .map(|b| stage_tree(|x: &T| b(x), operands, &avals))
        .collect();
    for (i, (_, out)) in staged.iter().enumerate().skip(1) {
        if api == "cond" {
            // `cond`'s branches are staged as `[false_fun, true_fun]` (the index is the
            // predicate); JAX compares true_fun's outputs against false_fun's.
            check_branch_outputs(api, &names[i], &names[0], out, &staged[0].1);
        } else {
            check_branch_outputs(api, &names[0], &names[i], &staged[0].1, out);
        }
    }
    let mut closed = Vec::with_capacity(staged.len());
    let mut template = None;
    for (c, out) in staged {
        closed.push(c);
        template.get_or_insert(out);
    }
    let (jaxprs, consts) = common_consts(closed);
    let mut args: Vec<&Array> = vec![index];
    args.extend(consts.iter());
    let leaves = tree::leaves(operands);
    args.extend(leaves.iter().copied());
    let outs = bind(CondOp::new(jaxprs), &args);
    tree::rebuild(&template.expect("at least one branch"), outs)
}
