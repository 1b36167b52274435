//! Dead-code elimination.

use super::renumber;
use crate::jaxpr::{Atom, Jaxpr};

/// Removes equations none of whose outputs reach the program's outputs (keeping effectful
/// ones, see
/// [`Primitive::has_effect`](crate::prims::Primitive::has_effect)). Inputs and constants stay: they are the program's signature.
pub fn dce(j: &Jaxpr) -> Jaxpr {
    let mut live = vec![false; j.avals.len()];
    let mark = |a: &Atom, live: &mut Vec<bool>| {
        if let Atom::Var(v) = a {
            live[*v as usize] = true;
        }
    };
    for a in &j.outvars {
        mark(a, &mut live);
    }
    let mut keep = vec![false; j.eqns.len()];
    for (i, e) in j.eqns.iter().enumerate().rev() {
        if e.prim.has_effect() || e.outputs.iter().any(|v| live[*v as usize]) {
            keep[i] = true;
            for a in &e.inputs {
                mark(a, &mut live);
            }
        }
    }
    let mut out = j.clone();
    out.eqns = j
        .eqns
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(e, _)| e.clone())
        .collect();
    renumber(&out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{f32s, lit, Builder};
    use super::dce;
    use crate::prims::{binary::BinaryOp, unary::UnaryOp};

    #[test]
    fn removes_chains_that_do_not_reach_outputs() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[2]));
        let y = b.input(f32s(&[2]));
        let dead1 = b.eqn(UnaryOp::Exp, [y.clone()]);
        let _dead2 = b.eqn(BinaryOp::Mul, [dead1, lit(2.0f32)]);
        let s = b.eqn(UnaryOp::Sin, [x]);
        let out = b.eqn(BinaryOp::Add, [s, y]);
        let j = b.finish(&[out]);
        assert_eq!(
            dce(&j).to_string(),
            // Short programs print on one line, as JAX prints them.
            "{ lambda ; a:f32[2] b:f32[2]. let c:f32[2] = sin a; d:f32[2] = add c b in (d,) }"
        );
    }

    #[test]
    fn keeps_everything_feeding_any_output_and_unused_inputs() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[]));
        let _unused = b.input(f32s(&[4]));
        let e = b.eqn(UnaryOp::Exp, [x.clone()]);
        let l = b.eqn(UnaryOp::Log, [e.clone()]);
        let j = b.finish(&[e, l, x]);
        assert_eq!(
            dce(&j).to_string(),
            "{ lambda ; a:f32[] b:f32[4]. let c:f32[] = exp a; d:f32[] = log c in (c, d, a) }"
        );
    }
}
