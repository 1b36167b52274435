//! Constant folding.

use super::{renumber, Subst};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::{Atom, ClosedJaxpr, Eqn};
use crate::prims::{eval_primitive, PrimitiveRule};
use std::sync::Arc;

/// Results with at most this many elements are computed at compile time. 0-d results are
/// always folded (into literals); larger ones stay equations so that programs do not grow by
/// the size of every constant they could compute.
pub const FOLD_MAX_ELEMENTS: usize = 1024;

/// Evaluates equations whose operands are all literals or (concrete) constants and whose
/// results are small. A 0-d result becomes a literal; a larger one becomes a new constant.
pub fn fold_constants(program: &ClosedJaxpr) -> ClosedJaxpr {
    let j = &program.jaxpr;
    let mut known: Vec<Option<Array>> = vec![None; j.avals.len()];
    for (v, c) in j.constvars.iter().zip(&program.consts) {
        if c.is_concrete() {
            known[*v as usize] = Some(c.clone());
        }
    }
    let mut subst = Subst::new(j);
    let mut out = (**j).clone();
    let mut consts = program.consts.clone();
    out.eqns.clear();
    for e in &j.eqns {
        let inputs: Vec<Atom> = e.inputs.iter().map(|a| subst.apply(a)).collect();
        let values: Option<Vec<Array>> = inputs
            .iter()
            .map(|a| match a {
                Atom::Literal(x) => Some(x.clone()),
                Atom::Var(v) => known[*v as usize].clone(),
            })
            .collect();
        let small = e.outputs.iter().all(|v| {
            let a: &ShapeDtype = &j.avals[*v as usize];
            a.ndim() == 0 || a.size() <= FOLD_MAX_ELEMENTS
        });
        match values {
            // A collective's operands may be constants, but its result depends on the other
            // members of its process group: it runs with them, not at compile time.
            Some(values)
                if small
                    && !e.prim.has_effect()
                    && !matches!(e.prim, crate::prims::Primitive::Collective(_)) =>
            {
                let refs: Vec<&Array> = values.iter().collect();
                for (v, x) in e.outputs.iter().zip(eval_primitive(&e.prim, &refs)) {
                    debug_assert_eq!(x.aval(), &j.avals[*v as usize], "{} folded", e.prim.name());
                    if x.ndim() == 0 {
                        subst.set(*v, Atom::Literal(x));
                    } else {
                        out.constvars.push(*v);
                        consts.push(x.clone());
                        known[*v as usize] = Some(x);
                    }
                }
            }
            _ => out.eqns.push(Eqn {
                prim: e.prim.clone(),
                inputs,
                outputs: e.outputs.clone(),
            }),
        }
    }
    out.outvars = j.outvars.iter().map(|a| subst.apply(a)).collect();
    ClosedJaxpr {
        jaxpr: Arc::new(renumber(&out)),
        consts,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{f32s, lit, Builder};
    use super::*;
    use crate::prims::{binary::BinaryOp, iota::IotaOp, unary::UnaryOp};

    fn closed(j: crate::jaxpr::Jaxpr, consts: Vec<Array>) -> ClosedJaxpr {
        ClosedJaxpr {
            jaxpr: Arc::new(j),
            consts,
        }
    }

    #[test]
    fn scalar_chains_become_literals() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[2]));
        let k = b.eqn(BinaryOp::Add, [lit(1.5f32), lit(2.0f32)]);
        let k = b.eqn(UnaryOp::Neg, [k]);
        let y = b.eqn(BinaryOp::Mul, [x, k]);
        let p = fold_constants(&closed(b.finish(&[y]), vec![]));
        assert_eq!(
            p.to_string(),
            "{ lambda ; a:f32[2]. let b:f32[2] = mul a -3.5:f32[] in (b,) }"
        );
    }

    #[test]
    fn small_results_from_constants_become_constants() {
        let mut b = Builder::default();
        let c = b.constvar(f32s(&[3]));
        let x = b.input(f32s(&[3]));
        let e = b.eqn(UnaryOp::Exp, [c]);
        let y = b.eqn(BinaryOp::Add, [x, e]);
        let c0 = Array::from_vec(vec![0.0f32, 1.0, 2.0], [3]);
        let p = fold_constants(&closed(b.finish(&[y]), vec![c0]));
        // The old constant stays until DCE and pruning; the folded one is a new constvar.
        assert_eq!(
            p.to_string(),
            "{ lambda a:f32[3] b:f32[3]; c:f32[3]. let d:f32[3] = add c b in (d,) }"
        );
        assert_eq!(
            p.consts[1].to_vec::<f32>(),
            vec![1.0, 1.0f32.exp(), 2.0f32.exp()]
        );
    }

    #[test]
    fn large_results_stay_equations() {
        let mut b = Builder::default();
        let big = b.eqn(
            IotaOp {
                dtype: crate::DType::F32,
                shape: crate::array::Shape::new(&[FOLD_MAX_ELEMENTS + 1]),
                dimension: 0,
            },
            [],
        );
        let small = b.eqn(
            IotaOp {
                dtype: crate::DType::F32,
                shape: crate::array::Shape::new(&[4]),
                dimension: 0,
            },
            [],
        );
        let p = fold_constants(&closed(b.finish(&[big, small]), vec![]));
        assert_eq!(p.jaxpr.eqns.len(), 1);
        assert_eq!(p.consts[0].to_vec::<f32>(), vec![0.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn tracer_constants_are_not_folded() {
        let mut b = Builder::default();
        let c = b.constvar(f32s(&[]));
        let y = b.eqn(UnaryOp::Exp, [c]);
        let j = b.finish(&[y]);
        let folded = std::cell::RefCell::new(None);
        crate::transforms::grad(|x: &Array| {
            *folded.borrow_mut() = Some(fold_constants(&closed(j.clone(), vec![x.clone()])));
            x.clone()
        })(&Array::scalar(1.0f32));
        let folded = folded.into_inner().expect("the function ran");
        assert_eq!(folded.jaxpr.eqns.len(), 1);
    }
}
