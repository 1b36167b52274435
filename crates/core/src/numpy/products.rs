//! Products and contractions named as in `jax.numpy`: `matmul`, `dot`, `vdot`, `inner`,
//! `outer`, `tensordot`, `einsum`. Each promotes its operands to their common dtype and reduces
//! to one or a few `dot_general`s.

use super::manipulation::{expand_dims, ravel, reshape, transpose};
use super::matrices::diagonal;
use super::promotion::promote_dtypes;
use crate::array::{normalize_axis, Array};
use crate::prims::dot_general::{DotDimensionNumbers, DotGeneral};
use crate::prims::layout::Axes;
use crate::prims::reduce::{ReduceKind, ReduceOp};
use crate::prims::{bind1, ops, rules};

fn dot_general(a: &Array, b: &Array, dn: DotDimensionNumbers) -> Array {
    bind1(
        DotGeneral {
            dimension_numbers: dn,
            preferred_element_type: None,
        },
        &[a, b],
    )
}

fn promote2(a: &Array, b: &Array) -> (Array, Array) {
    let mut p = promote_dtypes(&[a, b]);
    let b = p.pop().expect("two operands");
    (p.pop().expect("two operands"), b)
}

/// The matrix product with numpy's rules (`jnp.matmul`, the `@` operator): 1-D operands are
/// treated as row/column vectors and their axis dropped from the result; leading (batch) axes
/// broadcast. A batch axis of size 1 on one side is not materialised: the other side's axis
/// becomes a free axis of the product.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
/// let b = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [3, 2]);
/// assert_eq!(jnp::matmul(&a, &b).to_vec::<f32>(), vec![22.0, 28.0, 49.0, 64.0]);
/// let x = jnp::ones([5, 2, 3]);
/// assert_eq!(x.matmul(&b).shape(), &[5, 2, 2]);
/// ```
pub fn matmul(a: &Array, b: &Array) -> Array {
    for (i, x) in [a, b].into_iter().enumerate() {
        if x.ndim() < 1 {
            panic!(
                "matmul: input operand {i} must have ndim at least 1, but it has shape {}",
                x.shape_obj()
            );
        }
    }
    crate::prims::ops::matmul(a, b)
}

/// `jnp.dot`: for 0-d operands the product; otherwise contracts the last axis of `a` with the
/// last axis of a 1-D `b` or the second-to-last axis of `b` (other axes are stacked, not
/// broadcast).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let v = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
/// assert_eq!(jnp::dot(&v, &v).item::<f32>(), 14.0);
/// assert_eq!(jnp::dot(&jnp::ones([3, 2, 4]), &jnp::ones([3, 4, 1])).shape(), &[3, 2, 3, 1]);
/// ```
pub fn dot(a: &Array, b: &Array) -> Array {
    if a.ndim() == 0 || b.ndim() == 0 {
        return a * b;
    }
    let (a, b) = promote2(a, b);
    let bc = if b.ndim() == 1 { 0 } else { b.ndim() - 2 };
    if a.shape()[a.ndim() - 1] != b.shape()[bc] {
        panic!(
            "dot: shapes {} and {} are not aligned: dot_general requires contracting dimensions \
             to have the same shape, got ({},) and ({},) (axis {} of the first, axis {bc} of the \
             second)",
            a.shape_obj(),
            b.shape_obj(),
            a.shape()[a.ndim() - 1],
            b.shape()[bc],
            a.ndim() - 1
        );
    }
    dot_general(
        &a,
        &b,
        DotDimensionNumbers::new((&[a.ndim() - 1], &[bc]), (&[], &[])),
    )
}

/// `jnp.vdot`: the dot product of the flattened operands (no conjugation is needed for real
/// dtypes).
pub fn vdot(a: &Array, b: &Array) -> Array {
    dot(&ravel(a), &ravel(b))
}

/// `jnp.inner`: contracts the last axes of `a` and `b`; the result has `a`'s other axes then
/// `b`'s.
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::inner(&jnp::ones([2, 3]), &jnp::ones([4, 3])).shape(), &[2, 4]);
/// ```
pub fn inner(a: &Array, b: &Array) -> Array {
    if a.ndim() == 0 || b.ndim() == 0 {
        return a * b;
    }
    let (a, b) = promote2(a, b);
    let (la, lb) = (a.ndim() - 1, b.ndim() - 1);
    if a.shape()[la] != b.shape()[lb] {
        panic!(
            "inner: the last axes of shapes {} and {} must have the same size",
            a.shape_obj(),
            b.shape_obj()
        );
    }
    dot_general(&a, &b, DotDimensionNumbers::new((&[la], &[lb]), (&[], &[])))
}

/// `jnp.outer`: `out[i, j] = a.ravel()[i] * b.ravel()[j]`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0], [2]);
/// let b = Array::from_vec(vec![1.0f32, 10.0, 100.0], [3]);
/// assert_eq!(jnp::outer(&a, &b).to_vec::<f32>(), vec![1.0, 10.0, 100.0, 2.0, 20.0, 200.0]);
/// ```
pub fn outer(a: &Array, b: &Array) -> Array {
    let a = reshape(a, [a.size(), 1]);
    let b = reshape(b, [1, b.size()]);
    &a * &b
}

/// The `axes` argument of [`tensordot`]: the last `n` axes of `a` with the first `n` of `b`,
/// or explicit lists of paired axes (negative axes count from the end).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TensordotAxes {
    /// Contract the last `n` axes of `a` with the first `n` axes of `b`.
    Count(usize),
    /// Contract `a` axis `pairs.0[i]` with `b` axis `pairs.1[i]`.
    Pairs(Vec<isize>, Vec<isize>),
}
impl From<usize> for TensordotAxes {
    fn from(n: usize) -> TensordotAxes {
        TensordotAxes::Count(n)
    }
}
impl From<i32> for TensordotAxes {
    fn from(n: i32) -> TensordotAxes {
        if n < 0 {
            panic!("tensordot: axes must be a non-negative count, got {n}");
        }
        TensordotAxes::Count(n as usize)
    }
}
impl<const N: usize> From<([isize; N], [isize; N])> for TensordotAxes {
    fn from((a, b): ([isize; N], [isize; N])) -> TensordotAxes {
        TensordotAxes::Pairs(a.to_vec(), b.to_vec())
    }
}
impl From<(Vec<isize>, Vec<isize>)> for TensordotAxes {
    fn from((a, b): (Vec<isize>, Vec<isize>)) -> TensordotAxes {
        TensordotAxes::Pairs(a, b)
    }
}

/// `jnp.tensordot`: sums products over the paired axes; the result has `a`'s remaining axes
/// then `b`'s.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let a = jnp::ones([2, 3, 4]);
/// let b = jnp::ones([3, 4, 5]);
/// assert_eq!(jnp::tensordot(&a, &b, 2).shape(), &[2, 5]);
/// assert_eq!(jnp::tensordot(&a, &b, ([1], [0])).shape(), &[2, 4, 4, 5]);
/// ```
pub fn tensordot(a: &Array, b: &Array, axes: impl Into<TensordotAxes>) -> Array {
    let (a, b) = promote2(a, b);
    let (ca, cb): (Vec<usize>, Vec<usize>) = match axes.into() {
        TensordotAxes::Count(n) => {
            if n > a.ndim() || n > b.ndim() {
                panic!(
                    "tensordot: cannot contract {n} axes of shapes {} and {}",
                    a.shape_obj(),
                    b.shape_obj()
                );
            }
            ((a.ndim() - n..a.ndim()).collect(), (0..n).collect())
        }
        TensordotAxes::Pairs(x, y) => {
            if x.len() != y.len() {
                panic!("tensordot: axes lists {x:?} and {y:?} must have the same length");
            }
            (
                x.iter()
                    .map(|&i| normalize_axis(i, a.ndim(), "tensordot"))
                    .collect(),
                y.iter()
                    .map(|&i| normalize_axis(i, b.ndim(), "tensordot"))
                    .collect(),
            )
        }
    };
    if ca
        .iter()
        .zip(&cb)
        .any(|(&i, &j)| a.shape()[i] != b.shape()[j])
    {
        let sizes = |x: &Array, axes: &[usize]| {
            crate::prims::rules::py_tuple(&axes.iter().map(|&i| x.shape()[i]).collect::<Vec<_>>())
        };
        panic!(
            "tensordot: dot_general requires contracting dimensions to have the same shape, got \
             {} and {}; axes {ca:?} of shape {} and {cb:?} of shape {}",
            sizes(&a, &ca),
            sizes(&b, &cb),
            a.shape_obj(),
            b.shape_obj()
        );
    }
    dot_general(&a, &b, DotDimensionNumbers::new((&ca, &cb), (&[], &[])))
}

/// A label of a parsed einsum operand; ellipsis axes get labels past `'z'`.
type Label = char;

/// The positions of the first label that occurs twice in `labels`.
fn first_repeat(labels: &[Label]) -> Option<(usize, usize)> {
    (1..labels.len()).find_map(|j| {
        labels[..j]
            .iter()
            .position(|&c| c == labels[j])
            .map(|i| (i, j))
    })
}

fn parse_term(term: &str, ndim: Option<usize>, ell: &mut Option<usize>, spec: &str) -> Vec<Label> {
    let fail = |why: String| -> ! { panic!("einsum: {why} in subscripts {spec:?}") };
    let parts: Vec<&str> = term.split("...").collect();
    if parts.len() > 2 {
        fail(format!("more than one ellipsis in term {term:?}"));
    }
    for c in term.chars().filter(|&c| c != '.') {
        if !c.is_ascii_alphabetic() {
            fail(format!("invalid subscript {c:?}"));
        }
    }
    if term.replace("...", "").contains('.') {
        fail(format!("a stray '.' in term {term:?}"));
    }
    let letters = |s: &str| s.chars().collect::<Vec<char>>();
    if parts.len() == 1 {
        return letters(term);
    }
    let named = parts[0].len() + parts[1].len();
    let n_ell = match ndim {
        Some(nd) => {
            if nd < named {
                fail(format!(
                    "term {term:?} has more subscripts than its operand has axes ({nd})"
                ));
            }
            let n = nd - named;
            *ell = Some(ell.map_or(n, |e| e.max(n)));
            n
        }
        None => ell.unwrap_or(0),
    };
    let ell_total = ell.unwrap_or(n_ell);
    // Ellipsis axes align from the right, as in broadcasting.
    let ell_labels = (ell_total - n_ell..ell_total)
        .map(|i| char::from_u32(0x100 + i as u32).expect("valid char"));
    letters(parts[0])
        .into_iter()
        .chain(ell_labels)
        .chain(letters(parts[1]))
        .collect()
}

/// Sums out size-1 and unshared axes, returning the reduced operand and its labels.
fn sum_out(x: &Array, labels: &[Label], keep: impl Fn(Label) -> bool) -> (Array, Vec<Label>) {
    let drop: Axes = (0..labels.len()).filter(|&i| !keep(labels[i])).collect();
    if drop.is_empty() {
        return (x.clone(), labels.to_vec());
    }
    let kept = labels.iter().copied().filter(|&l| keep(l)).collect();
    // The reduce primitive keeps the dtype (jnp.sum would widen narrow integers and bool).
    let kind = if x.dtype().is_bool() {
        ReduceKind::Or
    } else {
        ReduceKind::Sum
    };
    (bind1(ReduceOp::Reduce { kind, axes: drop }, &[x]), kept)
}

/// `jnp.einsum` with a subscripts string: `"ij,jk->ik"`, `"bij,bjk->bik"`, implicit output
/// (`"ij,jk"`: the labels used once, sorted), `...` for broadcast axes, and indices repeated
/// within one operand (`"ii->i"` is the diagonal, `"ii"` the trace).
///
/// Indices shared by several operands and absent from the output are contracted; indices in
/// one operand only and absent from the output are summed. Operands are contracted left to
/// right with `dot_general`. A repeated index within one operand (a diagonal, `"ii->i"`) panics.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = jnp::arange(6.0).reshape([2, 3]);
/// let b = jnp::ones([3, 4]);
/// assert_eq!(jnp::einsum("ij,jk->ik", &[&a, &b]).shape(), &[2, 4]);
/// assert_eq!(jnp::einsum("ij->ji", &[&a]).shape(), &[3, 2]);
/// assert_eq!(jnp::einsum("ij->", &[&a]).item::<f32>(), 15.0);
/// assert_eq!(jnp::einsum("...j,jk", &[&a, &b]).shape(), &[2, 4]);
/// let m = jnp::arange(9.0).reshape([3, 3]);
/// assert_eq!(jnp::einsum("ii->i", &[&m]).to_vec::<f32>(), vec![0.0, 4.0, 8.0]);
/// assert_eq!(jnp::einsum("ii", &[&m]).item::<f32>(), 12.0);
/// ```
pub fn einsum(subscripts: &str, operands: &[&Array]) -> Array {
    let spec: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match spec.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (spec.as_str(), None),
    };
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != operands.len() {
        panic!(
            "einsum: subscripts {subscripts:?} name {} operand(s) but {} were given",
            terms.len(),
            operands.len()
        );
    }
    if operands.is_empty() {
        panic!("einsum: at least one operand is required");
    }
    let mut ell = None;
    let mut labels: Vec<Vec<Label>> = terms
        .iter()
        .zip(operands)
        .map(|(t, x)| parse_term(t, Some(x.ndim()), &mut ell, &spec))
        .collect();
    for ((t, l), x) in terms.iter().zip(&labels).zip(operands) {
        if l.len() != x.ndim() {
            panic!(
                "einsum: term {t:?} has {} subscripts but its operand has shape {}",
                l.len(),
                x.shape_obj()
            );
        }
    }
    // A label repeated within one operand takes that operand's diagonal over those axes
    // first (`"ii->i"`, `"ii"`, `"bii->b"`), as JAX's einsum does before contracting.
    let written_labels = labels.clone();
    let mut owned: Vec<Array> = operands.iter().map(|&x| x.clone()).collect();
    for (k, ((t, l), x)) in terms
        .iter()
        .zip(labels.iter_mut())
        .zip(owned.iter_mut())
        .enumerate()
    {
        while let Some((i, j)) = first_repeat(l) {
            let (si, sj) = (x.shape()[i], x.shape()[j]);
            if si != sj {
                // JAX's message for a repeated label whose axes differ in size.
                panic!(
                    "Size of label {:?} for operand {k} ({si}) does not match previous terms \
                     ({sj}). (einsum {subscripts:?}, term {t:?})",
                    l[i]
                );
            }
            *x = diagonal(x, 0, i as isize, j as isize);
            let c = l[i];
            l.remove(j);
            l.remove(i);
            l.push(c);
        }
    }
    let operands: Vec<&Array> = owned.iter().collect();
    let operands = operands.as_slice();
    let out_labels: Vec<Label> = match rhs {
        Some(r) => {
            if r.contains(',') {
                panic!("einsum: the output of {subscripts:?} must be a single term");
            }
            let o = parse_term(r, None, &mut ell, &spec);
            if let Some(c) = (1..o.len()).find(|&i| o[..i].contains(&o[i])).map(|i| o[i]) {
                panic!("einsum: output index {c:?} appears more than once in {subscripts:?}");
            }
            if let Some(&c) = o.iter().find(|c| !labels.iter().any(|l| l.contains(c))) {
                panic!(
                    "einsum: Output character {c:?} did not appear in the input ({subscripts:?})"
                );
            }
            o
        }
        None => {
            // Implicit output: ellipsis axes first, then letters used exactly once, sorted.
            let mut counts = std::collections::BTreeMap::new();
            for l in written_labels.iter().flatten() {
                *counts.entry(*l).or_insert(0) += 1;
            }
            let mut ells: Vec<Label> = counts
                .keys()
                .copied()
                .filter(|&c| c as u32 >= 0x100)
                .collect();
            ells.sort_unstable();
            let singles = counts
                .iter()
                .filter(|&(&c, &n)| n == 1 && (c as u32) < 0x100)
                .map(|(&c, _)| c);
            ells.into_iter().chain(singles).collect()
        }
    };
    // Check sizes agree per label (size 1 broadcasts against anything).
    let mut sizes = std::collections::HashMap::new();
    for (k, (l, x)) in labels.iter().zip(operands).enumerate() {
        for (&c, &s) in l.iter().zip(x.shape()) {
            let e = sizes.entry(c).or_insert(s);
            if *e == 1 {
                *e = s;
            } else if s != 1 && s != *e {
                // opt_einsum's message, which JAX's einsum raises.
                panic!(
                    "einsum: Size of label {c:?} for operand {k} ({}) does not match previous \
                     terms ({s}) in {subscripts:?}",
                    *e
                );
            }
        }
    }
    let promoted = promote_dtypes(operands);
    let mut arrays: Vec<Array> = Vec::with_capacity(promoted.len());
    // A label that is size 1 here but larger elsewhere broadcasts: sum (squeeze) it away here
    // unless it is in the output and nowhere larger.
    for (k, x) in promoted.iter().enumerate() {
        let l = labels[k].clone();
        let (y, nl) = sum_out(x, &l, |c| {
            let here = x.shape()[l.iter().position(|&d| d == c).expect("label present")];
            !(here == 1 && sizes[&c] != 1)
        });
        arrays.push(y);
        labels[k] = nl;
    }
    let mut acc = arrays.remove(0);
    let mut acc_labels = labels.remove(0);
    let needed_later = |c: Label, rest: &[Vec<Label>]| {
        out_labels.contains(&c) || rest.iter().any(|l| l.contains(&c))
    };
    (acc, acc_labels) = sum_out(&acc, &acc_labels, |c| needed_later(c, &labels));
    while !arrays.is_empty() {
        let b = arrays.remove(0);
        let bl = labels.remove(0);
        let (b, bl) = sum_out(&b, &bl, |c| {
            needed_later(c, &labels) || acc_labels.contains(&c)
        });
        let keep = |c: Label| needed_later(c, &labels);
        let shared: Vec<Label> = acc_labels
            .iter()
            .copied()
            .filter(|c| bl.contains(c))
            .collect();
        let batch: Vec<Label> = shared.iter().copied().filter(|&c| keep(c)).collect();
        let contract: Vec<Label> = shared.iter().copied().filter(|&c| !keep(c)).collect();
        let pos = |ls: &[Label], c: Label| ls.iter().position(|&d| d == c).expect("label present");
        let a_free: Vec<Label> = acc_labels
            .iter()
            .copied()
            .filter(|c| !bl.contains(c))
            .collect();
        let b_free: Vec<Label> = bl
            .iter()
            .copied()
            .filter(|c| !acc_labels.contains(c))
            .collect();
        let axes =
            |ls: &[Label], cs: &[Label]| -> Vec<usize> { cs.iter().map(|&c| pos(ls, c)).collect() };
        let result = if contract.is_empty() && !acc.dtype().is_bool() {
            // A pure outer/elementwise product: broadcasting multiply, not a dot of 1×1 blocks.
            let ta: Vec<usize> = axes(&acc_labels, &batch)
                .into_iter()
                .chain(axes(&acc_labels, &a_free))
                .collect();
            let tb: Vec<usize> = axes(&bl, &batch)
                .into_iter()
                .chain(axes(&bl, &b_free))
                .collect();
            let a2 = rules::transpose(&acc, &ta);
            let a2 = if b_free.is_empty() {
                a2
            } else {
                let new: Vec<i32> = (0..b_free.len()).map(|i| (a2.ndim() + i) as i32).collect();
                expand_dims(&a2, new)
            };
            let b2 = rules::transpose(&b, &tb);
            let b2 = if a_free.is_empty() {
                b2
            } else {
                let new: Vec<i32> = (0..a_free.len())
                    .map(|i| (batch.len() + i) as i32)
                    .collect();
                expand_dims(&b2, new)
            };
            &a2 * &b2
        } else {
            let dn = DotDimensionNumbers::new(
                (&axes(&acc_labels, &contract), &axes(&bl, &contract)),
                (&axes(&acc_labels, &batch), &axes(&bl, &batch)),
            );
            // dot_general orders free axes by position; relabel accordingly.
            dot_general(&acc, &b, dn)
        };
        acc = result;
        acc_labels = batch.into_iter().chain(a_free).chain(b_free).collect();
    }
    let perm: Vec<isize> = out_labels
        .iter()
        .map(|&c| {
            acc_labels
                .iter()
                .position(|&d| d == c)
                .expect("every output label survives the contraction") as isize
        })
        .collect();
    if perm.iter().enumerate().all(|(i, &p)| i as isize == p) {
        acc
    } else {
        transpose(&acc, Some(&perm))
    }
}

impl Array {
    /// The matrix product with `other` ([`matmul`]).
    pub fn matmul(&self, other: &Array) -> Array {
        matmul(self, other)
    }
    /// `jnp.dot` of `self` and `other` ([`dot`]).
    pub fn dot(&self, other: &Array) -> Array {
        dot(self, other)
    }
}

/// `jnp.vecdot(x1, x2, axis=-1)`: the dot product of the vectors along `axis`, with the other
/// axes broadcast against each other.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// let y = Array::from_vec(vec![1.0f32, 1.0], [2]);
/// assert_eq!(jnp::vecdot(&x, &y, -1).to_vec::<f32>(), vec![3.0, 7.0]);
/// ```
pub fn vecdot(x1: &Array, x2: &Array, axis: isize) -> Array {
    if x1.ndim() == 0 || x2.ndim() == 0 {
        panic!(
            "vecdot: expected arrays of rank >= 1, got shapes {} and {}",
            x1.shape_obj(),
            x2.shape_obj()
        );
    }
    let (a1, a2) = (
        normalize_axis(axis, x1.ndim(), "vecdot"),
        normalize_axis(axis, x2.ndim(), "vecdot"),
    );
    if x1.shape()[a1] != x2.shape()[a2] {
        panic!(
            "axes must match; got shapes {} and {} with axis={axis}",
            x1.shape_obj(),
            x2.shape_obj()
        );
    }
    let x1 = super::manipulation::moveaxis(x1, a1 as isize, -1);
    let x2 = super::manipulation::moveaxis(x2, a2 as isize, -1);
    // (..., 1, n) @ (..., n, 1) broadcasts the leading axes as matmul does.
    let out = matmul(&expand_dims(&x1, -2), &expand_dims(&x2, -1));
    ops::squeeze_if_any(&out, &[out.ndim() - 2, out.ndim() - 1])
}

/// `jnp.matvec(x1, x2)`: matrices `(..., n, m)` times vectors `(..., m)`, leading axes
/// broadcast.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let m = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// let v = Array::from_vec(vec![1.0f32, 10.0], [2]);
/// assert_eq!(jnp::matvec(&m, &v).to_vec::<f32>(), vec![21.0, 43.0]);
/// ```
pub fn matvec(x1: &Array, x2: &Array) -> Array {
    if x1.ndim() < 2 || x2.ndim() < 1 {
        panic!(
            "matvec: expected a stack of matrices and a stack of vectors, got shapes {} and {}",
            x1.shape_obj(),
            x2.shape_obj()
        );
    }
    let out = matmul(x1, &expand_dims(x2, -1));
    ops::squeeze_if_any(&out, &[out.ndim() - 1])
}

/// `jnp.vecmat(x1, x2)`: vectors `(..., n)` times matrices `(..., n, m)`, leading axes
/// broadcast.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let v = Array::from_vec(vec![1.0f32, 10.0], [2]);
/// let m = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// assert_eq!(jnp::vecmat(&v, &m).to_vec::<f32>(), vec![31.0, 42.0]);
/// ```
pub fn vecmat(x1: &Array, x2: &Array) -> Array {
    if x1.ndim() < 1 || x2.ndim() < 2 {
        panic!(
            "vecmat: expected a stack of vectors and a stack of matrices, got shapes {} and {}",
            x1.shape_obj(),
            x2.shape_obj()
        );
    }
    let out = matmul(&expand_dims(x1, -2), x2);
    ops::squeeze_if_any(&out, &[out.ndim() - 2])
}
