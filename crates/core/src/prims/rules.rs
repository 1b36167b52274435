//! Building blocks the families' JVP, transpose and batching rules share (JAX's `defjvp`,
//! `deflinear`, `defvectorized`, `broadcast_batcher`, ...). Everything here binds primitives,
//! so the rules built from it are transformable themselves.

use super::gather_scatter::GatherScatterMode;
use super::layout::{Axes, LayoutOp};
use super::reduce::{ReduceKind, ReduceOp};
use super::{bind, bind1, Primitive};
use crate::array::{Array, Shape, ShapeDtype};

/// Zeros of `aval`'s shape and dtype (a broadcast scalar, so it stages as one equation).
pub fn zeros(aval: &ShapeDtype) -> Array {
    super::ops::zeros(aval.shape.clone(), aval.dtype)
}

/// A tangent made concrete: `t`, or zeros like `primal` for a symbolic zero.
pub fn instantiate(t: Option<&Array>, primal: &ShapeDtype) -> Array {
    match t {
        Some(t) => t.clone(),
        None => zeros(primal),
    }
}

/// `x` broadcast to `shape` when it is 0-d and `shape` is not (the implicit scalar broadcasting
/// of the elementwise primitives made explicit); otherwise `x`.
pub fn broadcast(x: &Array, shape: &Shape) -> Array {
    if x.shape() == &shape[..] {
        return x.clone();
    }
    assert_eq!(
        x.ndim(),
        0,
        "broadcast helper: {} is neither 0-d nor of shape {shape}",
        x.aval()
    );
    bind1(
        LayoutOp::BroadcastInDim {
            shape: shape.clone(),
            broadcast_dimensions: Axes::new(),
        },
        &[x],
    )
}

/// Sums a cotangent down to an operand's shape when the operand was a 0-d scalar broadcast by
/// an elementwise primitive (JAX's `unbroadcast`, for our scalar-operand convention).
pub fn unbroadcast(ct: &Array, operand: &ShapeDtype) -> Array {
    if ct.shape() == &operand.shape[..] {
        return ct.clone();
    }
    assert_eq!(
        operand.shape.ndim(),
        0,
        "unbroadcast: cotangent {} does not reduce to operand {operand}",
        ct.aval()
    );
    reduce_sum(ct, (0..ct.ndim()).collect())
}

/// `reduce_sum` over `axes`.
pub fn reduce_sum(x: &Array, axes: Axes) -> Array {
    bind1(
        ReduceOp::Reduce {
            kind: ReduceKind::Sum,
            axes,
        },
        &[x],
    )
}

/// The outputs of `prim` with zero tangents (integer outputs, piecewise-constant functions).
pub fn zero_jvp(
    prim: impl Into<Primitive>,
    primals: &[&Array],
) -> (Vec<Array>, Vec<Option<Array>>) {
    let outs = bind(prim, primals);
    let n = outs.len();
    (outs, vec![None; n])
}

/// The JVP of a primitive linear in all its operands: the primitive applied to the tangents
/// (zeros instantiated where an operand has none).
pub fn linear_jvp(
    prim: impl Into<Primitive>,
    primals: &[&Array],
    tangents: &[Option<&Array>],
) -> (Vec<Array>, Vec<Option<Array>>) {
    let prim = prim.into();
    let outs = bind(prim.clone(), primals);
    let ts: Vec<Array> = tangents
        .iter()
        .zip(primals)
        .map(|(t, p)| instantiate(*t, p.aval()))
        .collect();
    let refs: Vec<&Array> = ts.iter().collect();
    let touts = bind(prim, &refs).into_iter().map(Some).collect();
    (outs, touts)
}

/// One operand's contribution to an output tangent: `(tangent, primals, output) -> contribution`.
pub type PartialRule<'a> = dyn Fn(&Array, &[&Array], &Array) -> Array + 'a;

/// The JVP of a one-output primitive from per-operand tangent maps (JAX's `defjvp`): `rules[i]`
/// maps operand `i`'s tangent to its contribution to the output tangent, given the primals
/// and the output; contributions are summed. Operands with zero tangents are skipped.
pub fn jvp_from_partials(
    prim: impl Into<Primitive>,
    primals: &[&Array],
    tangents: &[Option<&Array>],
    rules: &[&PartialRule<'_>],
) -> (Vec<Array>, Vec<Option<Array>>) {
    let out = bind1(prim, primals);
    let mut total: Option<Array> = None;
    for (i, t) in tangents.iter().enumerate() {
        if let Some(t) = t {
            let contribution = broadcast(&rules[i](t, primals, &out), out.shape_obj());
            total = Some(match total {
                None => contribution,
                Some(acc) => bind1(super::binary::BinaryOp::AddAny, &[&acc, &contribution]),
            });
        }
    }
    (vec![out], vec![total])
}

/// The JVP of a primitive bilinear in its two operands (`mul`, `dot_general`, convolutions):
/// `d(x∘y) = dx∘y + x∘dy`, each term the primitive itself.
pub fn bilinear_jvp(
    prim: impl Into<Primitive>,
    primals: &[&Array],
    tangents: &[Option<&Array>],
) -> (Vec<Array>, Vec<Option<Array>>) {
    let prim = prim.into();
    let (p, q) = (prim.clone(), prim.clone());
    jvp_from_partials(
        prim,
        primals,
        tangents,
        &[&|t, xy, _| bind1(p.clone(), &[t, xy[1]]), &|t, xy, _| {
            bind1(q.clone(), &[xy[0], t])
        }],
    )
}

/// Moves the batch axis of `x` from `from` to `to`.
pub fn move_axis(x: &Array, from: usize, to: usize) -> Array {
    if from == to {
        return x.clone();
    }
    super::ops::moveaxis(x, from, to)
}

/// `x` with its batch axis at position 0: moved there, or (for an unbatched value) created by
/// broadcasting to `size`.
pub fn bdim_to_front(x: &Array, bdim: Option<usize>, size: usize) -> Array {
    match bdim {
        Some(d) => move_axis(x, d, 0),
        None => {
            let mut shape: Vec<usize> = Vec::with_capacity(x.ndim() + 1);
            shape.push(size);
            shape.extend_from_slice(x.shape());
            bind1(
                LayoutOp::BroadcastInDim {
                    shape: shape.into(),
                    broadcast_dimensions: (1..=x.ndim()).collect(),
                },
                &[x],
            )
        }
    }
}

/// The batching rule of the elementwise primitives (JAX's `broadcast_batcher`): operands have
/// equal shapes or are 0-d scalars. When every batched operand has the same shape and batch
/// axis and the unbatched ones are scalars, the primitive applies as it is; otherwise batch
/// axes move to the front and operands are broadcast to the full batched shape.
pub fn elementwise_batch(
    prim: impl Into<Primitive>,
    args: &[&Array],
    dims: &[Option<usize>],
    size: usize,
) -> (Vec<Array>, Vec<Option<usize>>) {
    let prim = prim.into();
    let first = dims
        .iter()
        .position(Option::is_some)
        .expect("a batching rule gets at least one batched operand");
    let (lead, lead_dim) = (args[first], dims[first]);
    let simple = args.iter().zip(dims).all(|(a, d)| match d {
        Some(_) => *d == lead_dim && a.shape() == lead.shape(),
        None => a.ndim() == 0,
    });
    if simple {
        let outs = bind(prim, args);
        let n = outs.len();
        return (outs, vec![lead_dim; n]);
    }
    // The per-example shape: the first operand that is not a per-example scalar.
    let example: Vec<usize> = args
        .iter()
        .zip(dims)
        .find_map(|(a, d)| {
            let mut s = a.shape().to_vec();
            if let Some(d) = d {
                s.remove(*d);
            }
            (!s.is_empty()).then_some(s)
        })
        .unwrap_or_default();
    let mut full = vec![size];
    full.extend_from_slice(&example);
    let full: Shape = full.into();
    let moved: Vec<Array> = args
        .iter()
        .zip(dims)
        .map(|(a, d)| match d {
            Some(d) => {
                let x = move_axis(a, *d, 0);
                if x.ndim() == 1 && !example.is_empty() {
                    bind1(
                        LayoutOp::BroadcastInDim {
                            shape: full.clone(),
                            broadcast_dimensions: Axes::from_slice(&[0]),
                        },
                        &[&x],
                    )
                } else {
                    x
                }
            }
            None if a.ndim() == 0 => (*a).clone(),
            None => bdim_to_front(a, None, size),
        })
        .collect();
    let refs: Vec<&Array> = moved.iter().collect();
    let outs = bind(prim, &refs);
    let n = outs.len();
    (outs, vec![Some(0); n])
}

/// The transpose "rule" of a primitive that is not linear in any operand: reaching it means a
/// linear program contained a non-linear use of a tangent, which is a bug in a JVP rule.
#[cold]
pub fn not_linear(name: &str) -> ! {
    panic!("{name} is not linear in its operands, so it has no transpose rule (a JVP rule produced a non-linear tangent computation)")
}

/// A Python tuple as JAX prints parameters: `()`, `(0,)`, `(0, 1)`.
pub fn py_tuple<T: std::fmt::Display>(xs: &[T]) -> String {
    match xs {
        [] => "()".into(),
        [x] => format!("({x},)"),
        _ => format!(
            "({})",
            xs.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A bool as Python spells it, as JAX prints a boolean parameter: `True`, `False`.
pub(crate) fn py_bool(b: bool) -> String {
    if b { "True" } else { "False" }.into()
}

/// Bools as Python spells them, for [`py_tuple`].
pub(crate) fn python_bools(v: &[bool]) -> Vec<String> {
    v.iter().map(|b| py_bool(*b)).collect()
}

/// `transpose[permutation]` (nothing is bound for the identity permutation).
pub fn transpose(x: &Array, permutation: &[usize]) -> Array {
    if permutation.iter().enumerate().all(|(i, &p)| i == p) {
        return x.clone();
    }
    super::ops::transpose(x, permutation)
}

/// `reshape[new_sizes]` (nothing is bound when the shape is unchanged).
pub fn reshape(x: &Array, shape: &[usize]) -> Array {
    if x.shape() == shape {
        return x.clone();
    }
    super::ops::reshape(x, shape)
}

/// `convert_element_type` to `dtype` (nothing is bound when `x` already has it).
pub fn convert(x: &Array, dtype: crate::array::DType) -> Array {
    if x.dtype() == dtype {
        return x.clone();
    }
    bind1(
        super::convert::ConvertOp::ConvertElementType {
            new_dtype: dtype,
            weak_type: false,
        },
        &[x],
    )
}

/// Lane `i` of operands batched along `dims` (`None`: unmapped, passed whole), for batching
/// rules that run once per lane (callbacks, JAX's `vmap_method="sequential"`).
pub fn lane<A: std::borrow::Borrow<Array>>(
    args: &[A],
    dims: &[Option<usize>],
    i: usize,
) -> Vec<Array> {
    args.iter()
        .zip(dims)
        .map(|(x, d)| match d {
            Some(d) => super::ops::take(
                x.borrow(),
                &Array::scalar(i as i32),
                *d,
                GatherScatterMode::FillOrDrop,
                None,
            ),
            None => x.borrow().clone(),
        })
        .collect()
}
