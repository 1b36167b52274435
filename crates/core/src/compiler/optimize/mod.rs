//! Program optimisations `jit` runs before compiling: constant folding, exact algebraic
//! simplification, transposes absorbed into matrix products, common-subexpression elimination
//! and dead-code elimination.
//!
//! Each pass is a function from program to program (constant folding takes the constants
//! too), renumbering variables so the result prints like a freshly staged jaxpr. [`optimize`]
//! runs them in order. The passes never change what a program computes, bit for bit: folding
//! evaluates with the same kernels the program would run, and simplification only removes
//! operations that are the identity on every value (`x * 1`, `x + -0.0`, a reshape to the same
//! shape, ...).

mod cse;
mod dce;
mod fold;
mod simplify;
mod transposes;

pub use cse::cse;
pub use dce::dce;
pub use fold::{fold_constants, FOLD_MAX_ELEMENTS};
pub use simplify::simplify;
pub use transposes::absorb_transposes;

use crate::jaxpr::{Atom, ClosedJaxpr, Eqn, Jaxpr, Var};
use std::sync::Arc;

/// Runs every pass: constant folding, simplification, transpose absorption, CSE, DCE, then
/// drops constants no longer used. This is the program `jit` compiles.
///
/// ```
/// use equinox_core::{compiler::optimize::optimize, transforms::make_jaxpr, Array};
/// let f = |x: &Array| {
///     let unused = x.exp();
///     let _ = unused;
///     x.sin() * 1.0 + x.sin()
/// };
/// let program = optimize(&make_jaxpr(f)(&Array::from_vec(vec![1.0f32; 3], [3])));
/// assert_eq!(
///     program.to_string(),
///     "{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = add b b in (c,) }"
/// );
/// ```
pub fn optimize(program: &ClosedJaxpr) -> ClosedJaxpr {
    let folded = fold_constants(program);
    let j = simplify(&folded.jaxpr);
    let j = absorb_transposes(&j);
    let j = cse(&j);
    let j = dce(&j);
    prune_consts(&ClosedJaxpr {
        jaxpr: Arc::new(j),
        consts: folded.consts,
    })
}

/// Drops constants that no equation or output reads.
pub fn prune_consts(program: &ClosedJaxpr) -> ClosedJaxpr {
    let j = &program.jaxpr;
    let mut used = vec![false; j.avals.len()];
    let mut mark = |a: &Atom| {
        if let Atom::Var(v) = a {
            used[*v as usize] = true;
        }
    };
    j.eqns.iter().flat_map(|e| &e.inputs).for_each(&mut mark);
    j.outvars.iter().for_each(&mut mark);
    let mut jaxpr = (**j).clone();
    let mut consts = Vec::new();
    jaxpr.constvars.clear();
    for (v, c) in j.constvars.iter().zip(&program.consts) {
        if used[*v as usize] {
            jaxpr.constvars.push(*v);
            consts.push(c.clone());
        }
    }
    ClosedJaxpr {
        jaxpr: Arc::new(renumber(&jaxpr)),
        consts,
    }
}

/// A variable substitution built up while a pass walks the equations.
struct Subst(Vec<Option<Atom>>);

impl Subst {
    fn new(j: &Jaxpr) -> Subst {
        Subst(vec![None; j.avals.len()])
    }

    fn set(&mut self, v: Var, to: Atom) {
        self.0[v as usize] = Some(to);
    }

    fn apply(&self, a: &Atom) -> Atom {
        match a {
            Atom::Var(v) => self.0[*v as usize].clone().unwrap_or(Atom::Var(*v)),
            lit => lit.clone(),
        }
    }
}

/// Renumbers variables in definition order (constants, inputs, equation outputs) and drops
/// the abstract values of variables no longer defined, so the program prints as `a, b, c...`.
pub fn renumber(j: &Jaxpr) -> Jaxpr {
    let mut map = vec![Var::MAX; j.avals.len()];
    let mut avals = Vec::new();
    let mut define = |v: Var, map: &mut Vec<Var>| -> Var {
        let new = avals.len() as Var;
        avals.push(j.avals[v as usize].clone());
        map[v as usize] = new;
        new
    };
    let constvars = j.constvars.iter().map(|&v| define(v, &mut map)).collect();
    let invars = j.invars.iter().map(|&v| define(v, &mut map)).collect();
    let atom = |a: &Atom, map: &[Var]| match a {
        Atom::Var(v) => {
            let new = map[*v as usize];
            assert!(
                new != Var::MAX,
                "jaxpr pass: variable read but never defined"
            );
            Atom::Var(new)
        }
        lit => lit.clone(),
    };
    let mut eqns = Vec::with_capacity(j.eqns.len());
    for e in &j.eqns {
        let inputs = e.inputs.iter().map(|a| atom(a, &map)).collect();
        let outputs = e.outputs.iter().map(|&v| define(v, &mut map)).collect();
        eqns.push(Eqn {
            prim: e.prim.clone(),
            inputs,
            outputs,
        });
    }
    let outvars = j.outvars.iter().map(|a| atom(a, &map)).collect();
    Jaxpr {
        avals,
        constvars,
        invars,
        eqns,
        outvars,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-built jaxprs for the passes' tests.
    use crate::array::{Array, DType, ShapeDtype};
    use crate::jaxpr::{Atom, Eqn, Jaxpr};
    use crate::prims::{Primitive, PrimitiveRule};

    /// Builds a jaxpr equation by equation, deriving output avals from the shape rules.
    #[derive(Default)]
    pub(crate) struct Builder {
        pub(crate) j: Jaxpr,
    }

    impl Builder {
        fn var(&mut self, aval: ShapeDtype) -> u32 {
            self.j.avals.push(aval);
            (self.j.avals.len() - 1) as u32
        }

        pub(crate) fn constvar(&mut self, aval: ShapeDtype) -> Atom {
            let v = self.var(aval);
            self.j.constvars.push(v);
            Atom::Var(v)
        }

        pub(crate) fn input(&mut self, aval: ShapeDtype) -> Atom {
            let v = self.var(aval);
            self.j.invars.push(v);
            Atom::Var(v)
        }

        pub(crate) fn eqn(
            &mut self,
            prim: impl Into<Primitive>,
            inputs: impl IntoIterator<Item = Atom>,
        ) -> Atom {
            let prim = prim.into();
            let inputs: Vec<Atom> = inputs.into_iter().collect();
            let avals: Vec<ShapeDtype> =
                inputs.iter().map(|a| self.j.atom_aval(a).clone()).collect();
            let refs: Vec<&ShapeDtype> = avals.iter().collect();
            let out = prim.abstract_eval(&refs).remove(0);
            let v = self.var(out);
            self.j.eqns.push(Eqn {
                prim,
                inputs,
                outputs: vec![v],
            });
            Atom::Var(v)
        }

        pub(crate) fn finish(mut self, outs: &[Atom]) -> Jaxpr {
            self.j.outvars = outs.to_vec();
            self.j
        }
    }

    pub(crate) fn f32s(shape: &[usize]) -> ShapeDtype {
        ShapeDtype::new(shape, DType::F32)
    }

    pub(crate) fn lit<T: crate::Element>(v: T) -> Atom {
        Atom::Literal(Array::scalar(v))
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{f32s, lit, Builder};
    use super::*;
    use crate::array::Array;
    use crate::prims::{binary::BinaryOp, unary::UnaryOp};

    #[test]
    fn renumber_drops_gaps_and_puts_constants_first() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[2]));
        let c = b.constvar(f32s(&[2]));
        let y = b.eqn(BinaryOp::Add, [x, c]);
        let mut j = b.finish(&[y]);
        j.avals.push(f32s(&[9]));
        assert_eq!(
            renumber(&j).to_string(),
            "{ lambda a:f32[2]; b:f32[2]. let c:f32[2] = add b a in (c,) }"
        );
    }

    #[test]
    fn prune_consts_keeps_only_read_constants() {
        let mut b = Builder::default();
        let c0 = b.constvar(f32s(&[2]));
        let _c1 = b.constvar(f32s(&[3]));
        let x = b.input(f32s(&[2]));
        let y = b.eqn(BinaryOp::Mul, [x, c0]);
        let j = b.finish(&[y]);
        let consts = vec![
            Array::from_vec(vec![1.0f32, 2.0], [2]),
            Array::from_vec(vec![0.0f32; 3], [3]),
        ];
        let p = prune_consts(&ClosedJaxpr {
            jaxpr: Arc::new(j),
            consts,
        });
        assert_eq!(p.consts.len(), 1);
        assert_eq!(p.consts[0].to_vec::<f32>(), vec![1.0, 2.0]);
        assert_eq!(
            p.to_string(),
            "{ lambda a:f32[2]; b:f32[2]. let c:f32[2] = mul b a in (c,) }"
        );
    }

    #[test]
    fn optimize_runs_every_pass() {
        let mut b = Builder::default();
        let x = b.input(f32s(&[3]));
        // exp(2 * 3) folds to a literal, x * 1 disappears, the two sins merge, the cos is dead.
        let k = b.eqn(BinaryOp::Mul, [lit(2.0f32), lit(3.0f32)]);
        let k = b.eqn(UnaryOp::Exp, [k]);
        let x1 = b.eqn(BinaryOp::Mul, [x.clone(), lit(1.0f32)]);
        let s1 = b.eqn(UnaryOp::Sin, [x1]);
        let s2 = b.eqn(UnaryOp::Sin, [x.clone()]);
        let _dead = b.eqn(UnaryOp::Cos, [x]);
        let y = b.eqn(BinaryOp::Add, [s1, s2]);
        let y = b.eqn(BinaryOp::Mul, [y, k]);
        let j = b.finish(&[y]);
        let p = optimize(&ClosedJaxpr {
            jaxpr: Arc::new(j),
            consts: vec![],
        });
        assert_eq!(
            p.to_string(),
            format!(
                "{{ lambda ; a:f32[3]. let\n    b:f32[3] = sin a\n    c:f32[3] = add b b\n    \
                 d:f32[3] = mul c {}:f32[]\n  in (d,) }}",
                Array::scalar(6.0f32.exp())
            )
        );
    }
}
