//! The staged program (JAX's jaxpr): SSA variables with abstract values, equations in
//! topological order, constants and literals. `jit`, `make_jaxpr`, `linearize` and the control
//! flow primitives build it; [`eval_jaxpr`] interprets it on the current trace (so a staged
//! program can itself be transformed), and `jit` compiles it for the CPU.

pub(crate) mod batch_jaxpr;
pub mod host_callback;
pub(crate) mod jvp_jaxpr;
pub(crate) mod partial_eval;
mod print;
pub(crate) use print::eqn_line;
pub(crate) mod rewrite;
pub mod stablehlo;
pub(crate) mod transpose;

use crate::array::{Array, ShapeDtype};
use crate::prims::{bind, Primitive};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A variable: an index into [`Jaxpr::avals`].
pub type Var = u32;

/// An equation operand: a variable or an inlined constant (a scalar literal such as `2.0:f32[]`).
#[derive(Clone, Debug)]
pub enum Atom {
    /// A variable of the jaxpr.
    Var(Var),
    /// A constant written into the program (0-d).
    Literal(Array),
}

/// One equation: `outputs = primitive inputs`.
#[derive(Clone, Debug)]
pub struct Eqn {
    /// The primitive with its parameters.
    pub prim: Primitive,
    /// The operands.
    pub inputs: Vec<Atom>,
    /// The variables it defines.
    pub outputs: Vec<Var>,
}

/// A staged program. Variables are numbered in definition order: constants, inputs, then each
/// equation's outputs.
#[derive(Clone, Debug, Default)]
pub struct Jaxpr {
    /// The abstract value of every variable.
    pub avals: Vec<ShapeDtype>,
    /// Variables bound to the constants of a [`ClosedJaxpr`].
    pub constvars: Vec<Var>,
    /// The program's inputs.
    pub invars: Vec<Var>,
    /// The equations, in topological order.
    pub eqns: Vec<Eqn>,
    /// The program's outputs.
    pub outvars: Vec<Atom>,
}

impl Jaxpr {
    /// The abstract value of an atom.
    pub fn atom_aval<'a>(&'a self, a: &'a Atom) -> &'a ShapeDtype {
        match a {
            Atom::Var(v) => &self.avals[*v as usize],
            Atom::Literal(x) => x.aval(),
        }
    }

    /// The abstract values of the inputs.
    pub fn in_avals(&self) -> Vec<ShapeDtype> {
        self.invars
            .iter()
            .map(|v| self.avals[*v as usize].clone())
            .collect()
    }

    /// The abstract values of the outputs.
    pub fn out_avals(&self) -> Vec<ShapeDtype> {
        self.outvars
            .iter()
            .map(|a| self.atom_aval(a).clone())
            .collect()
    }

    /// For each variable, the index of the equation defining it (`None` for constants and
    /// inputs) and how many times it is read, by equations and as an output: what a rewrite
    /// asks before it removes or replaces an equation.
    pub(crate) fn definitions_and_reads(&self) -> (Vec<Option<usize>>, Vec<usize>) {
        let n = self.avals.len();
        let mut def: Vec<Option<usize>> = vec![None; n];
        let mut reads = vec![0usize; n];
        for (i, e) in self.eqns.iter().enumerate() {
            for &v in &e.outputs {
                def[v as usize] = Some(i);
            }
        }
        let inputs = self.eqns.iter().flat_map(|e| &e.inputs);
        for a in inputs.chain(&self.outvars) {
            if let Atom::Var(v) = a {
                reads[*v as usize] += 1;
            }
        }
        (def, reads)
    }
}

/// A jaxpr with values for its constants (`jax.core.ClosedJaxpr`). Cheap to clone.
#[derive(Clone, Debug)]
pub struct ClosedJaxpr {
    /// The program.
    pub jaxpr: Arc<Jaxpr>,
    /// Values of [`Jaxpr::constvars`], in order. Inside nested transformations they may be
    /// tracers of an outer transformation.
    pub consts: Vec<Array>,
}

impl ClosedJaxpr {
    /// Runs the program on `args` by binding each equation on the current trace.
    pub fn call(&self, args: &[&Array]) -> Vec<Array> {
        let consts: Vec<&Array> = self.consts.iter().collect();
        eval_jaxpr(&self.jaxpr, &consts, args)
    }
}

/// Interprets `jaxpr`: binds each equation in order on the current trace (evaluating outside
/// transformations, transforming inside them).
pub fn eval_jaxpr(jaxpr: &Jaxpr, consts: &[&Array], args: &[&Array]) -> Vec<Array> {
    interpret(jaxpr, consts, args, |_, eqn, ins| {
        bind(eqn.prim.clone(), ins)
    })
}

/// Interprets `jaxpr` with `eval(index, equation, operands)` computing each equation's
/// results, in program order (`eval_jaxpr` binds them; `debug_nans`' re-run evaluates and
/// checks them one by one).
pub(crate) fn interpret(
    jaxpr: &Jaxpr,
    consts: &[&Array],
    args: &[&Array],
    mut eval: impl FnMut(usize, &Eqn, &[&Array]) -> Vec<Array>,
) -> Vec<Array> {
    assert_eq!(
        consts.len(),
        jaxpr.constvars.len(),
        "eval_jaxpr: {} constants given for {} constvars",
        consts.len(),
        jaxpr.constvars.len()
    );
    assert_eq!(
        args.len(),
        jaxpr.invars.len(),
        "eval_jaxpr: {} arguments given for {} inputs",
        args.len(),
        jaxpr.invars.len()
    );
    let mut env: Vec<Option<Array>> = vec![None; jaxpr.avals.len()];
    for (v, x) in jaxpr.constvars.iter().zip(consts) {
        env[*v as usize] = Some((*x).clone());
    }
    for (v, x) in jaxpr.invars.iter().zip(args) {
        check_arg(&jaxpr.avals[*v as usize], x);
        env[*v as usize] = Some((*x).clone());
    }
    let read = |env: &[Option<Array>], a: &Atom| -> Array {
        match a {
            Atom::Var(v) => env[*v as usize]
                .clone()
                .expect("jaxpr variable read before it is defined"),
            Atom::Literal(x) => x.clone(),
        }
    };
    for (i, eqn) in jaxpr.eqns.iter().enumerate() {
        let ins: Vec<Array> = eqn.inputs.iter().map(|a| read(&env, a)).collect();
        let refs: Vec<&Array> = ins.iter().collect();
        let outs = eval(i, eqn, &refs);
        for (v, x) in eqn.outputs.iter().zip(outs) {
            env[*v as usize] = Some(x);
        }
    }
    jaxpr.outvars.iter().map(|a| read(&env, a)).collect()
}

/// Panics unless `x` has the shape and dtype the program was staged for.
pub(crate) fn check_arg(expected: &ShapeDtype, x: &Array) {
    if x.shape() != &expected.shape[..] || x.dtype() != expected.dtype {
        panic!(
            "calling a staged program: argument {} does not match the {expected} it was traced for",
            x.aval()
        );
    }
}

/// A sub-program held by a primitive. Equality and hashing are by identity (the pointer), so
/// primitives stay `Hash + Eq` cheaply; two separately staged but identical programs compare
/// unequal, which only costs a compile-cache miss.
#[derive(Clone)]
pub struct JaxprRef(pub Arc<Jaxpr>);

impl JaxprRef {
    /// Wraps a program.
    pub fn new(j: Jaxpr) -> JaxprRef {
        JaxprRef(Arc::new(j))
    }
}

impl std::ops::Deref for JaxprRef {
    type Target = Jaxpr;
    fn deref(&self) -> &Jaxpr {
        &self.0
    }
}

impl PartialEq for JaxprRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for JaxprRef {}

impl Hash for JaxprRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.0) as usize).hash(state);
    }
}

impl fmt::Debug for JaxprRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
