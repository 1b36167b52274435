//! The CPU executable a jit-compiled program runs as.

use super::{check_arg, Atom, ClosedJaxpr};
use crate::array::Array;
use crate::prims::eval_primitive;

/// A compiled program: the staged jaxpr, ready to run on concrete arguments.
pub struct Executable {
    program: ClosedJaxpr,
}

impl Executable {
    /// Compiles a staged program for the CPU.
    pub fn compile(program: &ClosedJaxpr) -> Executable {
        Executable {
            program: program.clone(),
        }
    }

    /// Runs the program. Under a transformation (any argument or constant a tracer, or a
    /// transformation active) the program is replayed primitive by primitive on it instead.
    pub fn run(&self, args: &[&Array]) -> Vec<Array> {
        let j = &self.program.jaxpr;
        if crate::trace::current().is_some()
            || args.iter().any(|a| a.is_tracer())
            || self.program.consts.iter().any(Array::is_tracer)
        {
            return self.program.call(args);
        }
        assert_eq!(
            args.len(),
            j.invars.len(),
            "calling a compiled program: {} arguments given for {} inputs",
            args.len(),
            j.invars.len()
        );
        let mut env: Vec<Option<Array>> = vec![None; j.avals.len()];
        for (v, x) in j.constvars.iter().zip(&self.program.consts) {
            env[*v as usize] = Some(x.clone());
        }
        for (v, x) in j.invars.iter().zip(args) {
            check_arg(&j.avals[*v as usize], x);
            env[*v as usize] = Some((*x).clone());
        }
        let read = |env: &[Option<Array>], a: &Atom| match a {
            Atom::Var(v) => env[*v as usize].clone().expect("defined before use"),
            Atom::Literal(x) => x.clone(),
        };
        for eqn in &j.eqns {
            let ins: Vec<Array> = eqn.inputs.iter().map(|a| read(&env, a)).collect();
            let refs: Vec<&Array> = ins.iter().collect();
            for (v, x) in eqn.outputs.iter().zip(eval_primitive(&eqn.prim, &refs)) {
                env[*v as usize] = Some(x);
            }
        }
        j.outvars.iter().map(|a| read(&env, a)).collect()
    }
}
