//! Compiling an optimised jaxpr into instructions with a buffer plan.

use super::kernels::{self, Kernel};
use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::{Atom, ClosedJaxpr, Eqn, Var};
use crate::prims::convert::ConvertOp;
use crate::prims::layout::LayoutOp;
use crate::prims::reduce::ReduceOp;
use crate::prims::unary::UnaryOp;
use crate::prims::Primitive;
use smallvec::SmallVec;
use std::collections::HashMap;

/// Where a value is while the program runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    /// The i-th argument.
    Arg(u32),
    /// The i-th constant of the optimised program.
    Const(u32),
    /// The i-th literal of the plan.
    Lit(u32),
    /// A register: an array made by an eager primitive.
    Reg(u32),
    /// A planned buffer.
    Buf(u32),
}

/// A planned buffer: what it holds, and whether it escapes as an output (then it is never
/// reused within a run).
#[derive(Clone, Debug)]
pub(crate) struct BufSpec {
    pub(crate) dtype: DType,
    pub(crate) len: usize,
    pub(crate) escapes: bool,
}

/// One step of the program. `release` lists registers whose last reader this is.
#[derive(Debug)]
pub(crate) enum Instr {
    /// A kernel writing planned buffer `out`.
    Kernel {
        kernel: Box<Kernel>,
        ins: SmallVec<[Loc; 3]>,
        out: u32,
        release: SmallVec<[u32; 2]>,
    },
    /// A primitive's eager implementation; each output goes to a register (`None`: unused).
    /// Operands carry the abstract value to view them with (an alias's own shape).
    Eval {
        prim: Box<Primitive>,
        ins: Vec<(Loc, ShapeDtype)>,
        outs: SmallVec<[Option<u32>; 2]>,
        release: SmallVec<[u32; 2]>,
    },
}

/// The compiled form of a program.
pub(crate) struct Plan {
    /// The optimised program the instructions come from.
    pub(crate) program: ClosedJaxpr,
    pub(crate) instrs: Vec<Instr>,
    pub(crate) bufs: Vec<BufSpec>,
    pub(crate) num_regs: usize,
    pub(crate) literals: Vec<Array>,
    /// Where each output is and its abstract value.
    pub(crate) outputs: Vec<(Loc, ShapeDtype)>,
}

enum Class {
    /// The output is the operand's storage under another abstract value.
    Alias,
    Kernel(Kernel),
    Eval,
}

/// Equations whose output has exactly the operand's elements in the same order.
fn is_alias(prim: &Primitive, x: &ShapeDtype, out: &ShapeDtype) -> bool {
    match prim {
        Primitive::Layout(
            LayoutOp::Reshape { .. } | LayoutOp::Squeeze { .. } | LayoutOp::ExpandDims { .. },
        ) => true,
        Primitive::Layout(LayoutOp::Transpose { permutation }) => {
            permutation.iter().enumerate().all(|(i, &p)| i == p)
        }
        Primitive::Layout(LayoutOp::BroadcastInDim { .. }) => x.shape == out.shape,
        Primitive::Unary(UnaryOp::StopGradient) => true,
        Primitive::Convert(ConvertOp::ConvertElementType { new_dtype, .. }) => {
            *new_dtype == x.dtype
        }
        Primitive::Reduce(ReduceOp::Reduce { axes, .. }) => axes.is_empty(),
        _ => false,
    }
}

fn classify(p: &ClosedJaxpr, e: &Eqn) -> Class {
    let j = &p.jaxpr;
    let ins: SmallVec<[&ShapeDtype; 3]> = e.inputs.iter().map(|a| j.atom_aval(a)).collect();
    if let [out] = e.outputs[..] {
        let out = &j.avals[out as usize];
        if matches!(e.inputs.first(), Some(Atom::Var(_))) && is_alias(&e.prim, ins[0], out) {
            return Class::Alias;
        }
        if let Some(k) = kernels::select(&e.prim, &ins, out) {
            return Class::Kernel(k);
        }
    }
    Class::Eval
}

impl Plan {
    /// Plans an (optimised) program.
    pub(crate) fn new(p: &ClosedJaxpr) -> Plan {
        let j = &p.jaxpr;
        let n = j.avals.len();
        let classes: Vec<Class> = j.eqns.iter().map(|e| classify(p, e)).collect();
        // Aliases share their operand's storage: liveness is tracked per root value.
        let mut root: Vec<Var> = (0..n as Var).collect();
        for (e, c) in j.eqns.iter().zip(&classes) {
            if let (Class::Alias, Atom::Var(x)) = (c, &e.inputs[0]) {
                root[e.outputs[0] as usize] = root[*x as usize];
            }
        }
        let mut last_use: Vec<Option<usize>> = vec![None; n];
        for (i, (e, c)) in j.eqns.iter().zip(&classes).enumerate() {
            if !matches!(c, Class::Alias) {
                for a in &e.inputs {
                    if let Atom::Var(v) = a {
                        last_use[root[*v as usize] as usize] = Some(i);
                    }
                }
            }
        }
        let mut escapes = vec![false; n];
        for a in &j.outvars {
            if let Atom::Var(v) = a {
                escapes[root[*v as usize] as usize] = true;
            }
        }

        let mut loc: Vec<Option<Loc>> = vec![None; n];
        for (i, v) in j.constvars.iter().enumerate() {
            loc[*v as usize] = Some(Loc::Const(i as u32));
        }
        for (i, v) in j.invars.iter().enumerate() {
            loc[*v as usize] = Some(Loc::Arg(i as u32));
        }
        let mut literals: Vec<Array> = Vec::new();
        let mut atom_loc = |a: &Atom, loc: &[Option<Loc>]| match a {
            Atom::Var(v) => loc[*v as usize].expect("operands are defined before use"),
            Atom::Literal(x) => {
                literals.push(x.clone());
                Loc::Lit(literals.len() as u32 - 1)
            }
        };
        let mut bufs: Vec<BufSpec> = Vec::new();
        let mut free: HashMap<(DType, usize), Vec<u32>> = HashMap::new();
        let mut num_regs = 0u32;
        let mut instrs = Vec::new();
        for (i, (e, c)) in j.eqns.iter().zip(classes).enumerate() {
            let mut instr = match c {
                Class::Alias => {
                    let Atom::Var(x) = &e.inputs[0] else {
                        unreachable!("classify() aliases variables only")
                    };
                    loc[e.outputs[0] as usize] = loc[*x as usize];
                    continue;
                }
                Class::Kernel(kernel) => {
                    let ins = e.inputs.iter().map(|a| atom_loc(a, &loc)).collect();
                    let v = e.outputs[0];
                    let aval = &j.avals[v as usize];
                    let key = (aval.dtype, aval.size());
                    let reused = if escapes[v as usize] {
                        None
                    } else {
                        free.get_mut(&key).and_then(Vec::pop)
                    };
                    let b = reused.unwrap_or_else(|| {
                        bufs.push(BufSpec {
                            dtype: key.0,
                            len: key.1,
                            escapes: escapes[v as usize],
                        });
                        bufs.len() as u32 - 1
                    });
                    loc[v as usize] = Some(Loc::Buf(b));
                    Instr::Kernel {
                        kernel: Box::new(kernel),
                        ins,
                        out: b,
                        release: SmallVec::new(),
                    }
                }
                Class::Eval => {
                    let ins = e
                        .inputs
                        .iter()
                        .map(|a| (atom_loc(a, &loc), j.atom_aval(a).clone()))
                        .collect();
                    let outs = e
                        .outputs
                        .iter()
                        .map(|&v| {
                            let used = last_use[v as usize].is_some() || escapes[v as usize];
                            used.then(|| {
                                num_regs += 1;
                                loc[v as usize] = Some(Loc::Reg(num_regs - 1));
                                num_regs - 1
                            })
                        })
                        .collect();
                    Instr::Eval {
                        prim: Box::new(e.prim.clone()),
                        ins,
                        outs,
                        release: SmallVec::new(),
                    }
                }
            };
            // Values whose last reader this is give back their storage, after the output was
            // placed, so an instruction never writes a buffer it reads.
            let mut done: SmallVec<[Var; 4]> = SmallVec::new();
            for a in &e.inputs {
                if let Atom::Var(v) = a {
                    let r = root[*v as usize];
                    if last_use[r as usize] == Some(i) && !escapes[r as usize] && !done.contains(&r)
                    {
                        done.push(r);
                    }
                }
            }
            let release = match &mut instr {
                Instr::Kernel { release, .. } | Instr::Eval { release, .. } => release,
            };
            for r in done {
                match loc[r as usize] {
                    Some(Loc::Buf(b)) => {
                        let s = &bufs[b as usize];
                        free.entry((s.dtype, s.len)).or_default().push(b);
                    }
                    Some(Loc::Reg(g)) => release.push(g),
                    _ => {}
                }
            }
            instrs.push(instr);
        }
        let outputs = j
            .outvars
            .iter()
            .map(|a| (atom_loc(a, &loc), j.atom_aval(a).clone()))
            .collect();
        Plan {
            program: p.clone(),
            instrs,
            bufs,
            num_regs: num_regs as usize,
            literals,
            outputs,
        }
    }
}
