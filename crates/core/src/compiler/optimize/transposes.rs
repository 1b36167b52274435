//! Transposes absorbed into matrix products.
//!
//! Reverse mode turns every `x @ w` into products of transposed operands
//! (`dot_general`'s transpose rule ends in a `transpose`), and `vmap` of a matrix-vector
//! product ends in one too. A product reads its operands through strides, so a transpose next
//! to it is pure data movement:
//!
//! - `dot_general(transpose(x), y)` reads `x` directly, with its dimension numbers mapped
//!   through the permutation (when the permutation keeps the order of the free axes, so the
//!   output is unchanged);
//! - `transpose(dot_general(a, b))` whose permutation swaps the two operands' free axes is
//!   `dot_general(b, a)` with the dimension numbers swapped, when the product has no other
//!   reader.
//!
//! Each output element is the same sum of the same products in both forms. Only products
//! without batch axes are rewritten: those are the ones the executor runs as one strided
//! matrix product (batched ones would copy their operands anyway).

use super::renumber;
use crate::jaxpr::{Atom, Eqn, Jaxpr};
use crate::prims::dot_general::{free_axes, DotDimensionNumbers, DotGeneral};
use crate::prims::layout::{Axes, LayoutOp};
use crate::prims::Primitive;

/// Rewrites `dot_general`s to read transposed operands in place and to produce transposed
/// outputs directly (see the module documentation). Transposes left without readers are
/// removed by dead-code elimination.
pub fn absorb_transposes(j: &Jaxpr) -> Jaxpr {
    let (def, reads) = j.definitions_and_reads();
    let permutation_of = |a: &Atom| -> Option<(Atom, &Axes)> {
        let Atom::Var(v) = a else { return None };
        let e = &j.eqns[def[*v as usize]?];
        match &e.prim {
            Primitive::Layout(LayoutOp::Transpose { permutation }) => {
                Some((e.inputs[0].clone(), permutation))
            }
            _ => None,
        }
    };

    let mut out = j.clone();
    // Products folded into a following transpose: their equation is replaced by the
    // transpose's, which computes the product itself.
    let mut folded = vec![false; j.eqns.len()];
    for (i, e) in j.eqns.iter().enumerate() {
        let Primitive::DotGeneral(dg) = &e.prim else {
            continue;
        };
        if !dg.dimension_numbers.lhs_batch.is_empty() {
            continue;
        }
        let mut dg = dg.clone();
        let mut inputs = e.inputs.clone();
        for (side, operand) in inputs.iter_mut().enumerate() {
            if let Some((x, perm)) = permutation_of(operand)
                && let Some(dn) = through_transpose(&dg.dimension_numbers, side, perm)
            {
                dg.dimension_numbers = dn;
                *operand = x;
            }
        }
        out.eqns[i] = Eqn {
            prim: Primitive::DotGeneral(dg),
            inputs,
            outputs: e.outputs.clone(),
        };
    }
    for (i, e) in j.eqns.iter().enumerate() {
        let Primitive::Layout(LayoutOp::Transpose { permutation }) = &e.prim else {
            continue;
        };
        let Atom::Var(p) = &e.inputs[0] else { continue };
        let Some(d) = def[*p as usize] else { continue };
        if reads[*p as usize] != 1 || folded[d] {
            continue;
        }
        let product = &out.eqns[d];
        let Primitive::DotGeneral(dg) = &product.prim else {
            continue;
        };
        if !dg.dimension_numbers.lhs_batch.is_empty() {
            continue;
        }
        let ranks = [0, 1].map(|s| j.atom_aval(&product.inputs[s]).ndim());
        if let Some(dn) = swapped(&dg.dimension_numbers, ranks, permutation) {
            out.eqns[i] = Eqn {
                prim: Primitive::DotGeneral(DotGeneral {
                    dimension_numbers: dn,
                    preferred_element_type: dg.preferred_element_type,
                }),
                inputs: vec![product.inputs[1].clone(), product.inputs[0].clone()],
                outputs: e.outputs.clone(),
            };
            folded[d] = true;
        }
    }
    let mut k = 0;
    out.eqns.retain(|_| {
        k += 1;
        !folded[k - 1]
    });
    renumber(&out)
}

/// The dimension numbers that read operand `side` before a transpose by `perm`, if the
/// product's output stays the same (the free axes keep their order).
fn through_transpose(
    dn: &DotDimensionNumbers,
    side: usize,
    perm: &[usize],
) -> Option<DotDimensionNumbers> {
    let (contracting, batch) = if side == 0 {
        (&dn.lhs_contracting, &dn.lhs_batch)
    } else {
        (&dn.rhs_contracting, &dn.rhs_batch)
    };
    let free = free_axes(perm.len(), contracting, batch);
    if !free.windows(2).all(|w| perm[w[0]] < perm[w[1]]) {
        return None;
    }
    let map = |axes: &Axes| -> Axes { axes.iter().map(|&a| perm[a]).collect() };
    let mut out = dn.clone();
    if side == 0 {
        out.lhs_contracting = map(contracting);
        out.lhs_batch = map(batch);
    } else {
        out.rhs_contracting = map(contracting);
        out.rhs_batch = map(batch);
    }
    Some(out)
}

/// The dimension numbers of the product with its operands swapped, if `perm` (applied to the
/// product's output `batch ++ lhs free ++ rhs free`) is exactly the swap of the two free
/// blocks, which is the swapped product's output.
fn swapped(
    dn: &DotDimensionNumbers,
    ranks: [usize; 2],
    perm: &[usize],
) -> Option<DotDimensionNumbers> {
    let nb = dn.lhs_batch.len();
    let nl = ranks[0] - nb - dn.lhs_contracting.len();
    let nr = ranks[1] - nb - dn.rhs_contracting.len();
    let expected = (0..nb).chain(nb + nl..nb + nl + nr).chain(nb..nb + nl);
    (perm.len() == nb + nl + nr && perm.iter().copied().eq(expected)).then(|| DotDimensionNumbers {
        lhs_contracting: dn.rhs_contracting.clone(),
        rhs_contracting: dn.lhs_contracting.clone(),
        lhs_batch: dn.rhs_batch.clone(),
        rhs_batch: dn.lhs_batch.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{f32s, Builder};
    use super::*;
    use crate::array::Array;
    use crate::compiler::optimize::dce;
    use crate::jaxpr::{eval_jaxpr, ClosedJaxpr};
    use std::sync::Arc;

    fn transpose(perm: &[usize]) -> LayoutOp {
        LayoutOp::Transpose {
            permutation: perm.iter().copied().collect(),
        }
    }

    fn dot(lc: &[usize], rc: &[usize], lb: &[usize], rb: &[usize]) -> DotGeneral {
        DotGeneral {
            dimension_numbers: DotDimensionNumbers {
                lhs_contracting: lc.iter().copied().collect(),
                rhs_contracting: rc.iter().copied().collect(),
                lhs_batch: lb.iter().copied().collect(),
                rhs_batch: rb.iter().copied().collect(),
            },
            preferred_element_type: None,
        }
    }

    fn arange(shape: &[usize]) -> Array {
        let n: usize = shape.iter().product();
        Array::from_vec((0..n).map(|i| (i % 7) as f32 - 3.0).collect(), shape)
    }

    fn run(j: &Jaxpr, args: &[Array]) -> Vec<Vec<f32>> {
        let refs: Vec<&Array> = args.iter().collect();
        eval_jaxpr(j, &[], &refs)
            .iter()
            .map(|a| a.to_vec::<f32>())
            .collect()
    }

    #[test]
    fn products_read_transposed_operands_in_place_and_write_transposed_outputs() {
        // The reverse-mode shape of a dense layer: W^T·g and (g^T·x)^T.
        let mut b = Builder::default();
        let g = b.input(f32s(&[4, 3]));
        let x = b.input(f32s(&[4, 5]));
        let gt = b.eqn(transpose(&[1, 0]), [g.clone()]);
        let p = b.eqn(dot(&[1], &[0], &[], &[]), [gt, x.clone()]);
        let q = b.eqn(dot(&[0], &[0], &[], &[]), [g, x]);
        let qt = b.eqn(transpose(&[1, 0]), [q]);
        let j = b.finish(&[p, qt]);
        let args = [arange(&[4, 3]), arange(&[4, 5])];
        let rewritten = dce(&absorb_transposes(&j));
        assert_eq!(
            rewritten.to_string(),
            "{ lambda ; a:f32[4,3] b:f32[4,5]. let\n    \
             c:f32[3,5] = dot_general[dimension_numbers=(([0], [0]), ([], []))] a b\n    \
             d:f32[5,3] = dot_general[dimension_numbers=(([0], [0]), ([], []))] b a\n  \
             in (c, d) }"
        );
        assert_eq!(run(&rewritten, &args), run(&j, &args));
    }

    #[test]
    fn keeps_transposes_that_would_reorder_the_output_or_a_shared_product() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[2, 3, 4]));
        let w = b.input(f32s(&[4, 5]));
        // Swapping x's free axes would reorder the product's output.
        let xt = b.eqn(transpose(&[1, 0, 2]), [x.clone()]);
        let p = b.eqn(dot(&[2], &[0], &[], &[]), [xt, w.clone()]);
        // The product is read twice: transposing it in place would compute it twice.
        let q = b.eqn(dot(&[2], &[0], &[], &[]), [x, w]);
        let qt = b.eqn(transpose(&[2, 0, 1]), [q.clone()]);
        let j = b.finish(&[p, qt, q]);
        let rewritten = absorb_transposes(&j);
        assert_eq!(rewritten.to_string(), renumber(&j).to_string());
        let closed = ClosedJaxpr {
            jaxpr: Arc::new(rewritten),
            consts: vec![],
        };
        let args = [arange(&[2, 3, 4]), arange(&[4, 5])];
        let refs: Vec<&Array> = args.iter().collect();
        assert_eq!(closed.call(&refs)[0].shape(), &[3, 2, 5]);
    }

    #[test]
    fn products_with_batch_axes_are_left_alone() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[2, 3, 4]));
        let y = b.input(f32s(&[2, 4, 5]));
        let xt = b.eqn(transpose(&[0, 2, 1]), [x.clone()]);
        let p = b.eqn(dot(&[1], &[1], &[0], &[0]), [xt, y.clone()]);
        let q = b.eqn(dot(&[2], &[1], &[0], &[0]), [x, y]);
        let qt = b.eqn(transpose(&[0, 2, 1]), [q]);
        let j = b.finish(&[p, qt]);
        assert_eq!(absorb_transposes(&j).to_string(), renumber(&j).to_string());
    }
}
