//! Common-subexpression elimination.

use super::{renumber, Subst};
use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::{Atom, Jaxpr, Var};
use crate::prims::Primitive;
use smallvec::SmallVec;
use std::collections::HashMap;

/// An operand as CSE compares it: a variable, or a literal by value (exact bits), dtype and
/// weak type, so `2.0:f32[]` and `2.0:f32[]{weak}` stay distinct, as do `0.0` and `-0.0`.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Var(Var),
    Literal(DType, bool, u64, u64),
}

/// The bits of a 0-d literal: the f64 bit pattern of a float (exact for every float dtype) or
/// of a complex number's real part, the value of an integer or bool.
pub(crate) fn literal_bits(x: &Array) -> u64 {
    if x.dtype().is_inexact() {
        x.item::<f64>().to_bits()
    } else {
        x.item::<i64>() as u64
    }
}

/// The f64 bit pattern of a complex literal's imaginary part (0 for a real literal), so that
/// `1+2j` and `1+3j` stay distinct.
fn imag_bits(x: &Array) -> u64 {
    if x.dtype().is_complex() {
        x.item::<crate::Complex64>().im.to_bits()
    } else {
        0
    }
}

fn key(a: &Atom) -> Key {
    match a {
        Atom::Var(v) => Key::Var(*v),
        Atom::Literal(x) => {
            let ShapeDtype {
                dtype, weak_type, ..
            } = x.aval();
            Key::Literal(*dtype, *weak_type, literal_bits(x), imag_bits(x))
        }
    }
}

/// Replaces each equation that repeats an earlier one (same primitive and parameters, same
/// operands) by the earlier one's outputs.
pub fn cse(j: &Jaxpr) -> Jaxpr {
    let mut seen: HashMap<(Primitive, SmallVec<[Key; 4]>), Vec<Var>> = HashMap::new();
    let mut subst = Subst::new(j);
    let mut out = j.clone();
    out.eqns.clear();
    for e in &j.eqns {
        let mut e = e.clone();
        e.inputs = e.inputs.iter().map(|a| subst.apply(a)).collect();
        if !e.prim.has_effect() {
            let k = (e.prim.clone(), e.inputs.iter().map(key).collect());
            if let Some(prev) = seen.get(&k) {
                for (v, p) in e.outputs.iter().zip(prev) {
                    subst.set(*v, Atom::Var(*p));
                }
                continue;
            }
            seen.insert(k, e.outputs.clone());
        }
        out.eqns.push(e);
    }
    out.outvars = j.outvars.iter().map(|a| subst.apply(a)).collect();
    renumber(&out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{f32s, lit, Builder};
    use super::cse;
    use crate::array::Array;
    use crate::jaxpr::Atom;
    use crate::prims::{binary::BinaryOp, layout::LayoutOp, unary::UnaryOp};

    #[test]
    fn merges_repeated_equations_transitively() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[3]));
        let s1 = b.eqn(UnaryOp::Sin, [x.clone()]);
        let s2 = b.eqn(UnaryOp::Sin, [x.clone()]);
        // Equal once s2 is replaced by s1.
        let m1 = b.eqn(BinaryOp::Mul, [s1, lit(2.0f32)]);
        let m2 = b.eqn(BinaryOp::Mul, [s2, lit(2.0f32)]);
        let y = b.eqn(BinaryOp::Add, [m1, m2.clone()]);
        let j = b.finish(&[y, m2]);
        assert_eq!(
            cse(&j).to_string(),
            "{ lambda ; a:f32[3]. let\n    b:f32[3] = sin a\n    c:f32[3] = mul b 2.0:f32[]\n    \
             d:f32[3] = add c c\n  in (d, c) }"
        );
    }

    #[test]
    fn distinguishes_parameters_and_literal_values_signs_and_weak_types() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[2, 2]));
        let t1 = b.eqn(
            LayoutOp::Transpose {
                permutation: [1, 0].into_iter().collect(),
            },
            [x.clone()],
        );
        let t2 = b.eqn(
            LayoutOp::Transpose {
                permutation: [0, 1].into_iter().collect(),
            },
            [x.clone()],
        );
        let a1 = b.eqn(BinaryOp::Add, [x.clone(), lit(0.0f32)]);
        let a2 = b.eqn(BinaryOp::Add, [x.clone(), lit(-0.0f32)]);
        let weak = Atom::Literal(Array::weak_scalar(0.0f32));
        let a3 = b.eqn(BinaryOp::Add, [x, weak]);
        let j = b.finish(&[t1, t2, a1, a2, a3]);
        assert_eq!(cse(&j).eqns.len(), 5);
    }
}
