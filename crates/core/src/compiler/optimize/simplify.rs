//! Exact algebraic simplification: operations that are the identity on every value.

use super::{renumber, Subst};
use crate::jaxpr::{Atom, Jaxpr};
use crate::prims::binary::BinaryOp;
use crate::prims::convert::ConvertOp;
use crate::prims::layout::LayoutOp;
use crate::prims::reduce::ReduceOp;
use crate::prims::Primitive;

/// Which literal an identity needs.
#[derive(Clone, Copy)]
enum Neutral {
    /// 1 (any dtype).
    One,
    /// The additive identity: 0 for integers, -0.0 for floats (`x + 0.0` turns `-0.0` into
    /// `+0.0`, `x + -0.0` is exact).
    AddZero,
    /// What subtracting leaves unchanged: 0 for integers, +0.0 for floats.
    SubZero,
}

fn is_neutral(a: &Atom, which: Neutral) -> bool {
    let Atom::Literal(x) = a else {
        return false;
    };
    if x.dtype().is_complex() {
        let z = x.item::<crate::Complex64>();
        let re = match which {
            Neutral::One => z.re == 1.0,
            Neutral::AddZero => z.re.to_bits() == (-0.0f64).to_bits(),
            Neutral::SubZero => z.re.to_bits() == 0.0f64.to_bits(),
        };
        // The imaginary part must be the same neutral element's (-0.0 for `x + -0`).
        let im = match which {
            Neutral::AddZero => z.im.to_bits() == (-0.0f64).to_bits(),
            _ => z.im.to_bits() == 0.0f64.to_bits(),
        };
        return re && im;
    }
    let float = x.dtype().is_float();
    match (which, float) {
        (Neutral::One, true) => x.item::<f64>() == 1.0,
        (Neutral::One, false) => x.item::<i64>() == 1,
        (Neutral::AddZero, true) => x.item::<f64>().to_bits() == (-0.0f64).to_bits(),
        (Neutral::SubZero, true) => x.item::<f64>().to_bits() == 0.0f64.to_bits(),
        (_, false) => !x.dtype().is_bool() && x.item::<i64>() == 0,
    }
}

/// The operand an equation returns unchanged, if it is an identity: `x * 1`, `1 * x`, `x / 1`,
/// `x + -0.0`, `x - 0.0` (integer zeros for integers), a conversion to the same dtype, a
/// reshape/squeeze/expand_dims/broadcast to the same shape, an identity transpose, a `rev` of
/// no axes, a reduction over no axes. The operand must have exactly the output's abstract
/// value (weak type included), so replacing one by the other changes nothing downstream.
fn identity_operand(
    j: &Jaxpr,
    prim: &Primitive,
    inputs: &[Atom],
    out: &crate::array::ShapeDtype,
) -> Option<usize> {
    let candidate = match prim {
        Primitive::Binary(op) => {
            let (x, y) = (&inputs[0], &inputs[1]);
            match op {
                BinaryOp::Mul if is_neutral(y, Neutral::One) => Some(0),
                BinaryOp::Mul if is_neutral(x, Neutral::One) => Some(1),
                BinaryOp::Div if is_neutral(y, Neutral::One) => Some(0),
                BinaryOp::Add if is_neutral(y, Neutral::AddZero) => Some(0),
                BinaryOp::Add if is_neutral(x, Neutral::AddZero) => Some(1),
                BinaryOp::Sub if is_neutral(y, Neutral::SubZero) => Some(0),
                _ => None,
            }
        }
        Primitive::Convert(ConvertOp::ConvertElementType { .. }) => Some(0),
        Primitive::Layout(l) => match l {
            LayoutOp::Reshape { .. }
            | LayoutOp::Squeeze { .. }
            | LayoutOp::ExpandDims { .. }
            | LayoutOp::BroadcastInDim { .. } => Some(0),
            LayoutOp::Transpose { permutation } => permutation
                .iter()
                .enumerate()
                .all(|(i, &p)| i == p)
                .then_some(0),
            LayoutOp::Rev { dimensions } => dimensions.is_empty().then_some(0),
        },
        Primitive::Reduce(ReduceOp::Reduce { axes, .. }) => axes.is_empty().then_some(0),
        _ => None,
    }?;
    (j.atom_aval(&inputs[candidate]) == out).then_some(candidate)
}

/// Removes equations that are the identity on their operand (see the list above), rewiring
/// their uses to the operand.
pub fn simplify(j: &Jaxpr) -> Jaxpr {
    let mut subst = Subst::new(j);
    let mut out = j.clone();
    out.eqns.clear();
    for e in &j.eqns {
        let mut e = e.clone();
        e.inputs = e.inputs.iter().map(|a| subst.apply(a)).collect();
        if let [v] = e.outputs[..]
            && let Some(i) = identity_operand(j, &e.prim, &e.inputs, &j.avals[v as usize])
        {
            subst.set(v, e.inputs[i].clone());
            continue;
        }
        out.eqns.push(e);
    }
    out.outvars = j.outvars.iter().map(|a| subst.apply(a)).collect();
    renumber(&out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{f32s, lit, Builder};
    use super::*;
    use crate::array::{DType, Shape, ShapeDtype};

    #[test]
    fn removes_exact_identities() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[2, 3]));
        let a = b.eqn(BinaryOp::Mul, [x.clone(), lit(1.0f32)]);
        let a = b.eqn(BinaryOp::Mul, [lit(1.0f32), a]);
        let a = b.eqn(BinaryOp::Div, [a, lit(1.0f32)]);
        let a = b.eqn(BinaryOp::Add, [a, lit(-0.0f32)]);
        let a = b.eqn(BinaryOp::Sub, [a, lit(0.0f32)]);
        let a = b.eqn(
            ConvertOp::ConvertElementType {
                new_dtype: DType::F32,
                weak_type: false,
            },
            [a],
        );
        let a = b.eqn(
            LayoutOp::Reshape {
                new_sizes: Shape::new(&[2, 3]),
            },
            [a],
        );
        let a = b.eqn(
            LayoutOp::Transpose {
                permutation: [0, 1].into_iter().collect(),
            },
            [a],
        );
        let a = b.eqn(
            LayoutOp::BroadcastInDim {
                shape: Shape::new(&[2, 3]),
                broadcast_dimensions: [0, 1].into_iter().collect(),
            },
            [a],
        );
        let a = b.eqn(
            LayoutOp::Rev {
                dimensions: Default::default(),
            },
            [a],
        );
        let y = b.eqn(crate::prims::unary::UnaryOp::Sin, [a]);
        let j = b.finish(&[y, x]);
        assert_eq!(
            simplify(&j).to_string(),
            "{ lambda ; a:f32[2,3]. let b:f32[2,3] = sin a in (b, a) }"
        );
    }

    #[test]
    fn keeps_operations_that_are_not_exact_identities() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[3, 3]));
        let i = b.input(ShapeDtype::new([3], DType::I32));
        let outs = vec![
            // x + 0.0 maps -0.0 to +0.0; x - (-0.0) likewise; 0 - x negates; 2 * x scales.
            b.eqn(BinaryOp::Add, [x.clone(), lit(0.0f32)]),
            b.eqn(BinaryOp::Sub, [x.clone(), lit(-0.0f32)]),
            b.eqn(BinaryOp::Sub, [lit(0.0f32), x.clone()]),
            b.eqn(BinaryOp::Mul, [x.clone(), lit(2.0f32)]),
            b.eqn(BinaryOp::Div, [lit(1.0f32), x.clone()]),
            // A square transpose keeps the aval but is not the identity.
            b.eqn(
                LayoutOp::Transpose {
                    permutation: [1, 0].into_iter().collect(),
                },
                [x.clone()],
            ),
            b.eqn(
                LayoutOp::Rev {
                    dimensions: [0].into_iter().collect(),
                },
                [x.clone()],
            ),
            // Changes the weak type, so it is not the identity on abstract values.
            b.eqn(
                ConvertOp::ConvertElementType {
                    new_dtype: DType::F32,
                    weak_type: true,
                },
                [x],
            ),
            // Integer identities are removed; integer x + 1 is not one.
            b.eqn(BinaryOp::Add, [i.clone(), lit(1i32)]),
        ];
        let int_identity = b.eqn(BinaryOp::Add, [lit(0i32), i.clone()]);
        let j = b.finish(&[outs, vec![int_identity]].concat());
        let s = simplify(&j);
        assert_eq!(s.eqns.len(), 9);
        assert!(matches!(s.outvars[9], Atom::Var(v) if v == s.invars[1]));
    }
}
