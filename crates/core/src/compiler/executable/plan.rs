//! Compiling an optimised jaxpr into instructions with a buffer plan.

use super::control_flow::Control;
use super::fusion::{self, Fused, Role};
use super::kernels::{self, Kernel};
use super::row_fusion::{self, RowFused};
use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::{Atom, ClosedJaxpr, Eqn, Var};
use crate::prims::convert::ConvertOp;
use crate::prims::layout::LayoutOp;
use crate::prims::reduce::ReduceOp;
use crate::prims::unary::UnaryOp;
use crate::prims::Primitive;
use smallvec::SmallVec;
use std::collections::HashMap;

/// Values of at least this many elements make a program "large" (see [`Plan::large`]): about
/// where elementwise loops and matrix products start to use several threads.
const LARGE_VALUE: usize = 1 << 14;

/// Elementwise operations on fewer elements keep their standalone kernels: a fused loop's
/// set-up (scratch, dispatch per step) costs more than it saves on a few hundred elements.
const FUSION_MIN_ELEMENTS: usize = 256;

/// An elementwise operation at least this large that reads an argument for the last time gets
/// a fused loop of its own, whose output can take over the argument's buffer if the caller
/// donated it.
const DONATION_MIN_ELEMENTS: usize = FUSION_MIN_ELEMENTS;

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
    /// A fused loop writing planned buffers `outs`.
    Fused {
        kernel: Box<Fused>,
        ins: SmallVec<[Loc; 4]>,
        outs: SmallVec<[u32; 2]>,
        release: SmallVec<[u32; 2]>,
    },
    /// A row-fused loop writing planned buffers `outs`.
    RowFused {
        kernel: Box<RowFused>,
        ins: SmallVec<[Loc; 4]>,
        outs: SmallVec<[u32; 2]>,
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
    /// A control-flow equation running its compiled sub-programs; operands and outputs as
    /// for `Eval`.
    Control {
        op: Box<Control>,
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
    /// Whether some value, here or in a compiled sub-program, is large enough for kernels to
    /// split it across threads.
    pub(crate) large: bool,
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
        let kernel_of = |i: usize| match &classes[i] {
            Class::Kernel(k) => Some(k),
            _ => None,
        };
        let is_alias = |i: usize| matches!(classes[i], Class::Alias);
        // Row-fused groups first (they take reductions with the loops around them); plain
        // fusion groups the rest. Groups before `row_groups` are row-fused.
        let mut groups = row_fusion::find_groups(j, kernel_of, is_alias);
        let row_groups = groups.len();
        let mut roles: Vec<Role> = j
            .eqns
            .iter()
            .zip(&classes)
            .map(|(e, c)| {
                let size = || j.avals[e.outputs[0] as usize].size();
                match c {
                    Class::Alias => Role::Alias,
                    Class::Kernel(Kernel::Elementwise { .. }) if size() >= FUSION_MIN_ELEMENTS => {
                        Role::Elementwise(size())
                    }
                    Class::Kernel(Kernel::StridedCopy { dtype, .. })
                        if kernels::is_lane(*dtype) =>
                    {
                        Role::Load(size())
                    }
                    _ => Role::Other,
                }
            })
            .collect();
        for &i in groups.iter().flatten() {
            roles[i] = Role::Other;
        }
        groups.extend(fusion::find_groups(j, &roles));
        let mut group_of: Vec<Option<usize>> = vec![None; j.eqns.len()];
        for (g, members) in groups.iter().enumerate() {
            for &i in members {
                group_of[i] = Some(g);
            }
        }
        // Aliases share their operand's storage: liveness is tracked per root value.
        let mut root: Vec<Var> = (0..n as Var).collect();
        for (e, c) in j.eqns.iter().zip(&classes) {
            if let (Class::Alias, Atom::Var(x)) = (c, &e.inputs[0]) {
                root[e.outputs[0] as usize] = root[*x as usize];
            }
        }
        // A fused group runs where its last member was: that is when it reads its operands.
        fn position(i: usize, group_of: &[Option<usize>], groups: &[Vec<usize>]) -> usize {
            group_of[i].map_or(i, |g| *groups[g].last().expect("groups are not empty"))
        }
        let mut last_use: Vec<Option<usize>> = vec![None; n];
        for (i, (e, c)) in j.eqns.iter().zip(&classes).enumerate() {
            if matches!(c, Class::Alias) {
                continue;
            }
            for a in &e.inputs {
                if let Atom::Var(v) = a {
                    let r = root[*v as usize] as usize;
                    last_use[r] = last_use[r].max(Some(position(i, &group_of, &groups)));
                }
            }
        }
        let mut escapes = vec![false; n];
        for a in &j.outvars {
            if let Atom::Var(v) = a {
                escapes[root[*v as usize] as usize] = true;
            }
        }
        // The argument (alias root) behind operand `a` if instruction `i` reads it for the last
        // time and it is not an output: a donated buffer that instruction may overwrite.
        let last_read_argument = |a: &Atom, i: usize| -> Option<Var> {
            let Atom::Var(v) = a else { return None };
            let r = root[*v as usize];
            (j.invars.contains(&r) && last_use[r as usize] == Some(i) && !escapes[r as usize])
                .then_some(r)
        };
        // A large elementwise operation left alone that reads an argument for the last time
        // becomes a loop of its own, so a donated argument's buffer can take its result (see
        // `Fused`'s aliases). Its position, and so every last use, stays the same.
        for (i, e) in j.eqns.iter().enumerate() {
            let Role::Elementwise(size) = roles[i] else {
                continue;
            };
            let out = &j.avals[e.outputs[0] as usize];
            let reads_last_argument = e.inputs.iter().any(|a| {
                let aval = j.atom_aval(a);
                last_read_argument(a, i).is_some() && aval.dtype == out.dtype && aval.size() == size
            });
            if group_of[i].is_none() && size >= DONATION_MIN_ELEMENTS && reads_last_argument {
                group_of[i] = Some(groups.len());
                groups.push(vec![i]);
            }
        }
        let position = |i: usize| position(i, &group_of, &groups);
        let mut def_group: Vec<Option<usize>> = vec![None; n];
        for (i, e) in j.eqns.iter().enumerate() {
            for &v in &e.outputs {
                def_group[v as usize] = group_of[i];
            }
        }
        // Whether something outside its fused group reads a value the group makes.
        let mut read_outside = vec![false; n];
        for (i, e) in j.eqns.iter().enumerate() {
            for a in &e.inputs {
                if let Atom::Var(v) = a {
                    if def_group[*v as usize].is_some() && def_group[*v as usize] != group_of[i] {
                        read_outside[*v as usize] = true;
                    }
                }
            }
        }
        for a in &j.outvars {
            if let Atom::Var(v) = a {
                read_outside[*v as usize] = true;
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
        // A buffer for value `v`: a free one of its dtype and size unless it escapes.
        let buffer_for = |v: Var,
                          bufs: &mut Vec<BufSpec>,
                          free: &mut HashMap<(DType, usize), Vec<u32>>|
         -> u32 {
            let aval = &j.avals[v as usize];
            let key = (aval.dtype, aval.size());
            let reused = if escapes[v as usize] {
                None
            } else {
                free.get_mut(&key).and_then(Vec::pop)
            };
            reused.unwrap_or_else(|| {
                bufs.push(BufSpec {
                    dtype: key.0,
                    len: key.1,
                    escapes: escapes[v as usize],
                });
                bufs.len() as u32 - 1
            })
        };
        let mut num_regs = 0u32;
        let mut instrs = Vec::new();
        for (i, (e, c)) in j.eqns.iter().zip(&classes).enumerate() {
            if group_of[i].is_some_and(|_| position(i) != i) {
                continue;
            }
            let members: &[usize] = match group_of[i] {
                Some(g) => &groups[g],
                None => std::slice::from_ref(&i),
            };
            let mut instr = match (group_of[i], c) {
                (Some(g), _) if g < row_groups => {
                    let (kernel, wiring) = RowFused::new(j, members, kernel_of, is_alias, |v| {
                        read_outside[v as usize]
                    });
                    let ins = wiring.inputs.iter().map(|a| atom_loc(a, &loc)).collect();
                    let outs = wiring
                        .outputs
                        .iter()
                        .map(|&v| {
                            let b = buffer_for(v, &mut bufs, &mut free);
                            loc[v as usize] = Some(Loc::Buf(b));
                            b
                        })
                        .collect();
                    // The group's aliases name the buffers of the values they alias.
                    for &m in members {
                        if let (Class::Alias, Atom::Var(x)) = (&classes[m], &j.eqns[m].inputs[0]) {
                            loc[j.eqns[m].outputs[0] as usize] = loc[*x as usize];
                        }
                    }
                    Instr::RowFused {
                        kernel: Box::new(kernel),
                        ins,
                        outs,
                        release: SmallVec::new(),
                    }
                }
                (Some(_), _) => {
                    let kernels: Vec<&Kernel> = members
                        .iter()
                        .map(|&m| match &classes[m] {
                            Class::Kernel(k) => k,
                            _ => unreachable!("find_groups() groups kernels only"),
                        })
                        .collect();
                    // An argument read for the last time here may be overwritten if the
                    // caller donated it.
                    let donatable = |a: &Atom| last_read_argument(a, i);
                    let (kernel, wiring) = Fused::new(
                        j,
                        members,
                        &kernels,
                        |v| read_outside[v as usize],
                        donatable,
                    );
                    let ins = wiring.inputs.iter().map(|a| atom_loc(a, &loc)).collect();
                    let outs = wiring
                        .outputs
                        .iter()
                        .map(|&v| {
                            let b = buffer_for(v, &mut bufs, &mut free);
                            loc[v as usize] = Some(Loc::Buf(b));
                            b
                        })
                        .collect();
                    Instr::Fused {
                        kernel: Box::new(kernel),
                        ins,
                        outs,
                        release: SmallVec::new(),
                    }
                }
                (None, Class::Alias) => {
                    let Atom::Var(x) = &e.inputs[0] else {
                        unreachable!("classify() aliases variables only")
                    };
                    loc[e.outputs[0] as usize] = loc[*x as usize];
                    continue;
                }
                (None, Class::Kernel(kernel)) => {
                    let ins = e.inputs.iter().map(|a| atom_loc(a, &loc)).collect();
                    let v = e.outputs[0];
                    let b = buffer_for(v, &mut bufs, &mut free);
                    loc[v as usize] = Some(Loc::Buf(b));
                    Instr::Kernel {
                        kernel: Box::new(kernel.clone()),
                        ins,
                        out: b,
                        release: SmallVec::new(),
                    }
                }
                (None, Class::Eval) => {
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
                    let out_avals: Vec<ShapeDtype> = e
                        .outputs
                        .iter()
                        .map(|&v| j.avals[v as usize].clone())
                        .collect();
                    match Control::new(&e.prim, &out_avals) {
                        Some(op) => Instr::Control {
                            op: Box::new(op),
                            ins,
                            outs,
                            release: SmallVec::new(),
                        },
                        None => Instr::Eval {
                            prim: Box::new(e.prim.clone()),
                            ins,
                            outs,
                            release: SmallVec::new(),
                        },
                    }
                }
            };
            // Values whose last reader this is give back their storage, after the output was
            // placed, so an instruction never writes a buffer it reads.
            let mut done: SmallVec<[Var; 4]> = SmallVec::new();
            for a in members.iter().flat_map(|&m| &j.eqns[m].inputs) {
                if let Atom::Var(v) = a {
                    let r = root[*v as usize];
                    if last_use[r as usize] == Some(i) && !escapes[r as usize] && !done.contains(&r)
                    {
                        done.push(r);
                    }
                }
            }
            let release = match &mut instr {
                Instr::Kernel { release, .. }
                | Instr::Fused { release, .. }
                | Instr::RowFused { release, .. }
                | Instr::Eval { release, .. }
                | Instr::Control { release, .. } => release,
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
        let large_sub_program = instrs.iter().any(|i| match i {
            Instr::Control { op, .. } => op.executables().iter().any(|x| x.plan.large),
            _ => false,
        });
        Plan {
            program: p.clone(),
            instrs,
            bufs,
            num_regs: num_regs as usize,
            literals,
            outputs,
            large: large_sub_program || j.avals.iter().any(|a| a.size() >= LARGE_VALUE),
        }
    }
}
