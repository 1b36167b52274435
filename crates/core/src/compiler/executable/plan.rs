//! Compiling an optimised jaxpr into instructions with a buffer plan.

use super::control_flow::Control;
use super::fusion::{self, Fused, Role};
use super::kernels::{self, Kernel};
use super::row_fusion::{self, RowFused};
use crate::array::{Array, DType, ShapeDtype};
use crate::backend::cpu::matmul::PARALLEL_MATMUL_THRESHOLD;
use crate::jaxpr::{Atom, ClosedJaxpr, Eqn, Jaxpr, Var};
use crate::prims::convert::ConvertOp;
use crate::prims::layout::LayoutOp;
use crate::prims::reduce::ReduceOp;
use crate::prims::unary::UnaryOp;
use crate::prims::Primitive;
use smallvec::SmallVec;
use std::collections::HashMap;

/// Values of at least this many elements make a program "large" (see [`Plan::large`] and
/// [`may_use_threads`]): about
/// where elementwise loops and matrix products start to use several threads.
const LARGE_VALUE: usize = 1 << 14;

/// Whether an equation's kernel may hand work to rayon's threads (what makes a program
/// "large"): a matrix product above `matmul`'s threading threshold, any other operation that
/// reads or writes a value of [`LARGE_VALUE`] elements. A product reading a large weight with
/// a few rows (a decoding step's `x · Wᵀ`) runs on one thread, so a program made only of those
/// stays on the calling thread.
fn may_use_threads(j: &Jaxpr, e: &Eqn) -> bool {
    if let Primitive::DotGeneral(d) = &e.prim {
        let lhs = j.atom_aval(&e.inputs[0]);
        let contracted: usize = d
            .dimension_numbers
            .lhs_contracting
            .iter()
            .map(|&a| lhs.shape[a])
            .product();
        let out = j.avals[e.outputs[0] as usize].size();
        return out.saturating_mul(contracted) >= PARALLEL_MATMUL_THRESHOLD;
    }
    let outputs = e.outputs.iter().map(|&v| &j.avals[v as usize]);
    let inputs = e.inputs.iter().map(|a| j.atom_aval(a));
    outputs.chain(inputs).any(|a| a.size() >= LARGE_VALUE)
}

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
    /// Whether the program, or a compiled sub-program, runs a collective (which may be over a
    /// process axis: see [`crate::distributed`]).
    pub(crate) collective: bool,
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

/// Which equations run as one fused loop (phase 2 of [`Plan::new`]).
struct Groups {
    /// Each group's equations in program order. Groups before `row_groups` are row-fused
    /// (reductions with the loops around them), the rest plain elementwise loops.
    members: Vec<Vec<usize>>,
    row_groups: usize,
    /// Each equation's group.
    group_of: Vec<Option<usize>>,
}

impl Groups {
    /// Row-fused groups first (they take reductions with the loops around them); plain fusion
    /// groups the rest. Also returns each equation's fusion role.
    fn find(j: &Jaxpr, classes: &[Class]) -> (Groups, Vec<Role>) {
        let kernel_of = |i: usize| match &classes[i] {
            Class::Kernel(k) => Some(k),
            _ => None,
        };
        let is_alias = |i: usize| matches!(classes[i], Class::Alias);
        let mut members = row_fusion::find_groups(j, kernel_of, is_alias);
        let row_groups = members.len();
        let mut roles: Vec<Role> = j
            .eqns
            .iter()
            .zip(classes)
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
        for &i in members.iter().flatten() {
            roles[i] = Role::Other;
        }
        members.extend(fusion::find_groups(j, &roles));
        let mut group_of: Vec<Option<usize>> = vec![None; j.eqns.len()];
        for (g, group) in members.iter().enumerate() {
            for &i in group {
                group_of[i] = Some(g);
            }
        }
        let groups = Groups {
            members,
            row_groups,
            group_of,
        };
        (groups, roles)
    }

    /// Where equation `i` runs: a fused group runs where its last member was, which is when it
    /// reads its operands.
    fn position(&self, i: usize) -> usize {
        self.group_of[i].map_or(i, |g| {
            *self.members[g].last().expect("groups are not empty")
        })
    }

    /// A large elementwise operation left alone that reads an argument for the last time
    /// becomes a loop of its own, so a donated argument's buffer can take its result (see
    /// `Fused`'s aliases). Its position, and so every last use, stays the same.
    fn add_donating_loops(&mut self, j: &Jaxpr, roles: &[Role], live: &Liveness) {
        for (i, e) in j.eqns.iter().enumerate() {
            let Role::Elementwise(size) = roles[i] else {
                continue;
            };
            let out = &j.avals[e.outputs[0] as usize];
            let reads_last_argument = e.inputs.iter().any(|a| {
                let aval = j.atom_aval(a);
                live.last_read_argument(j, a, i).is_some()
                    && aval.dtype == out.dtype
                    && aval.size() == size
            });
            if self.group_of[i].is_none() && size >= DONATION_MIN_ELEMENTS && reads_last_argument {
                self.group_of[i] = Some(self.members.len());
                self.members.push(vec![i]);
            }
        }
    }

    /// Whether something outside its fused group (or the program's caller) reads each value a
    /// group makes: those values need buffers, the others stay in the loop's registers.
    fn read_outside(&self, j: &Jaxpr) -> Vec<bool> {
        let n = j.avals.len();
        let mut def_group: Vec<Option<usize>> = vec![None; n];
        for (i, e) in j.eqns.iter().enumerate() {
            for &v in &e.outputs {
                def_group[v as usize] = self.group_of[i];
            }
        }
        let mut read_outside = vec![false; n];
        for (i, e) in j.eqns.iter().enumerate() {
            for a in &e.inputs {
                if let Atom::Var(v) = a {
                    let def = def_group[*v as usize];
                    if def.is_some() && def != self.group_of[i] {
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
        read_outside
    }
}

/// When each value's storage is last read (phase 3 of [`Plan::new`]).
struct Liveness {
    /// Aliases share their operand's storage: liveness is tracked per root value.
    root: Vec<Var>,
    /// The position of the last instruction reading each root.
    last_use: Vec<Option<usize>>,
    /// Roots that are outputs of the program.
    escapes: Vec<bool>,
}

impl Liveness {
    fn new(j: &Jaxpr, classes: &[Class], groups: &Groups) -> Liveness {
        let n = j.avals.len();
        let mut root: Vec<Var> = (0..n as Var).collect();
        for (e, c) in j.eqns.iter().zip(classes) {
            // (An equation without operands, as `axis_index`, is never an alias.)
            if let (Class::Alias, Some(Atom::Var(x))) = (c, e.inputs.first()) {
                root[e.outputs[0] as usize] = root[*x as usize];
            }
        }
        let mut last_use: Vec<Option<usize>> = vec![None; n];
        for (i, (e, c)) in j.eqns.iter().zip(classes).enumerate() {
            if matches!(c, Class::Alias) {
                continue;
            }
            for a in &e.inputs {
                if let Atom::Var(v) = a {
                    let r = root[*v as usize] as usize;
                    last_use[r] = last_use[r].max(Some(groups.position(i)));
                }
            }
        }
        let mut escapes = vec![false; n];
        for a in &j.outvars {
            if let Atom::Var(v) = a {
                escapes[root[*v as usize] as usize] = true;
            }
        }
        Liveness {
            root,
            last_use,
            escapes,
        }
    }

    /// The argument (alias root) behind operand `a` if instruction `i` reads it for the last
    /// time and it is not an output: a donated buffer that instruction may overwrite.
    fn last_read_argument(&self, j: &Jaxpr, a: &Atom, i: usize) -> Option<Var> {
        let Atom::Var(v) = a else { return None };
        let r = self.root[*v as usize];
        let last = self.last_use[r as usize] == Some(i) && !self.escapes[r as usize];
        (last && j.invars.contains(&r)).then_some(r)
    }

    /// The roots whose last reader is the instruction at position `i` running `members`.
    fn released_at(&self, j: &Jaxpr, members: &[usize], i: usize) -> SmallVec<[Var; 4]> {
        let mut done: SmallVec<[Var; 4]> = SmallVec::new();
        for a in members.iter().flat_map(|&m| &j.eqns[m].inputs) {
            if let Atom::Var(v) = a {
                let r = self.root[*v as usize];
                let last = self.last_use[r as usize] == Some(i) && !self.escapes[r as usize];
                if last && !done.contains(&r) {
                    done.push(r);
                }
            }
        }
        done
    }
}

/// Where values live while instructions are emitted (phase 4 of [`Plan::new`]): arguments,
/// constants, literals, registers, and planned buffers reused once their value is dead.
struct Storage<'a> {
    j: &'a Jaxpr,
    escapes: &'a [bool],
    loc: Vec<Option<Loc>>,
    literals: Vec<Array>,
    bufs: Vec<BufSpec>,
    /// Buffers free for reuse, by dtype and length.
    free: HashMap<(DType, usize), Vec<u32>>,
    num_regs: u32,
}

impl<'a> Storage<'a> {
    fn new(j: &'a Jaxpr, escapes: &'a [bool]) -> Storage<'a> {
        let mut loc: Vec<Option<Loc>> = vec![None; j.avals.len()];
        for (i, v) in j.constvars.iter().enumerate() {
            loc[*v as usize] = Some(Loc::Const(i as u32));
        }
        for (i, v) in j.invars.iter().enumerate() {
            loc[*v as usize] = Some(Loc::Arg(i as u32));
        }
        Storage {
            j,
            escapes,
            loc,
            literals: Vec::new(),
            bufs: Vec::new(),
            free: HashMap::new(),
            num_regs: 0,
        }
    }

    /// Where an operand is (a literal gets a slot of its own).
    fn atom(&mut self, a: &Atom) -> Loc {
        match a {
            Atom::Var(v) => self.loc[*v as usize].expect("operands are defined before use"),
            Atom::Literal(x) => {
                self.literals.push(x.clone());
                Loc::Lit(self.literals.len() as u32 - 1)
            }
        }
    }

    /// A buffer for value `v`: a free one of its dtype and size unless it escapes.
    fn buffer(&mut self, v: Var) -> u32 {
        let aval = &self.j.avals[v as usize];
        let key = (aval.dtype, aval.size());
        let escapes = self.escapes[v as usize];
        let reused = if escapes {
            None
        } else {
            self.free.get_mut(&key).and_then(Vec::pop)
        };
        let b = reused.unwrap_or_else(|| {
            self.bufs.push(BufSpec {
                dtype: key.0,
                len: key.1,
                escapes,
            });
            self.bufs.len() as u32 - 1
        });
        self.loc[v as usize] = Some(Loc::Buf(b));
        b
    }

    /// A register for value `v`.
    fn register(&mut self, v: Var) -> u32 {
        self.num_regs += 1;
        self.loc[v as usize] = Some(Loc::Reg(self.num_regs - 1));
        self.num_regs - 1
    }

    /// `alias` is `x`'s storage under another abstract value.
    fn alias(&mut self, alias: Var, x: Var) {
        self.loc[alias as usize] = self.loc[x as usize];
    }

    /// Gives back the storage of dead roots: buffers to the free lists, registers to the
    /// instruction's `release` list.
    fn release(&mut self, dead: &[Var], release: &mut SmallVec<[u32; 2]>) {
        for &r in dead {
            match self.loc[r as usize] {
                Some(Loc::Buf(b)) => {
                    let s = &self.bufs[b as usize];
                    self.free.entry((s.dtype, s.len)).or_default().push(b);
                }
                Some(Loc::Reg(g)) => release.push(g),
                _ => {}
            }
        }
    }
}

impl Plan {
    /// Plans an (optimised) program, in phases: classify each equation (alias, kernel or eager
    /// evaluation), group kernels into fused loops, compute liveness, then emit instructions
    /// while assigning storage.
    pub(crate) fn new(p: &ClosedJaxpr) -> Plan {
        let j = &p.jaxpr;
        let classes: Vec<Class> = j.eqns.iter().map(|e| classify(p, e)).collect();
        let (mut groups, roles) = Groups::find(j, &classes);
        let live = Liveness::new(j, &classes, &groups);
        groups.add_donating_loops(j, &roles, &live);
        let read_outside = groups.read_outside(j);
        let mut storage = Storage::new(j, &live.escapes);
        let mut instrs = Vec::new();
        for (i, (e, c)) in j.eqns.iter().zip(&classes).enumerate() {
            if groups.position(i) != i {
                continue; // emitted with its group's last member
            }
            let members: &[usize] = match groups.group_of[i] {
                Some(g) => &groups.members[g],
                None => std::slice::from_ref(&i),
            };
            let mut instr = match (groups.group_of[i], c) {
                (Some(g), _) if g < groups.row_groups => {
                    emit_row_fused(j, &classes, members, &read_outside, &mut storage)
                }
                (Some(_), _) => {
                    let donatable = |a: &Atom| live.last_read_argument(j, a, i);
                    emit_fused(j, &classes, members, &read_outside, donatable, &mut storage)
                }
                (None, Class::Alias) => {
                    let Atom::Var(x) = &e.inputs[0] else {
                        unreachable!("classify() aliases variables only")
                    };
                    storage.alias(e.outputs[0], *x);
                    continue;
                }
                (None, Class::Kernel(kernel)) => {
                    let ins = e.inputs.iter().map(|a| storage.atom(a)).collect();
                    Instr::Kernel {
                        kernel: Box::new(kernel.clone()),
                        ins,
                        out: storage.buffer(e.outputs[0]),
                        release: SmallVec::new(),
                    }
                }
                (None, Class::Eval) => emit_eval(j, e, &live, &mut storage),
            };
            // Values whose last reader this is give back their storage, after the output was
            // placed, so an instruction never writes a buffer it reads.
            let release = match &mut instr {
                Instr::Kernel { release, .. }
                | Instr::Fused { release, .. }
                | Instr::RowFused { release, .. }
                | Instr::Eval { release, .. }
                | Instr::Control { release, .. } => release,
            };
            storage.release(&live.released_at(j, members, i), release);
            instrs.push(instr);
        }
        let outputs = j
            .outvars
            .iter()
            .map(|a| (storage.atom(a), j.atom_aval(a).clone()))
            .collect();
        let large_sub_program = instrs.iter().any(|i| match i {
            Instr::Control { op, .. } => op.executables().iter().any(|x| x.plan.large),
            _ => false,
        });
        let collective = instrs.iter().any(|i| match i {
            Instr::Eval { prim, .. } => matches!(**prim, Primitive::Collective(_)),
            Instr::Control { op, .. } => op.executables().iter().any(|x| x.plan.collective),
            _ => false,
        });
        Plan {
            program: p.clone(),
            instrs,
            bufs: storage.bufs,
            num_regs: storage.num_regs as usize,
            literals: storage.literals,
            outputs,
            large: large_sub_program || j.eqns.iter().any(|e| may_use_threads(j, e)),
            collective,
        }
    }
}

/// A row-fused group's loop.
fn emit_row_fused(
    j: &Jaxpr,
    classes: &[Class],
    members: &[usize],
    read_outside: &[bool],
    storage: &mut Storage,
) -> Instr {
    let kernel_of = |i: usize| match &classes[i] {
        Class::Kernel(k) => Some(k),
        _ => None,
    };
    let is_alias = |i: usize| matches!(classes[i], Class::Alias);
    let (kernel, wiring) = RowFused::new(j, members, kernel_of, is_alias, |v| {
        read_outside[v as usize]
    });
    let ins = wiring.inputs.iter().map(|a| storage.atom(a)).collect();
    let outs = wiring.outputs.iter().map(|&v| storage.buffer(v)).collect();
    // The group's aliases name the buffers of the values they alias.
    for &m in members {
        if let (Class::Alias, Some(Atom::Var(x))) = (&classes[m], j.eqns[m].inputs.first()) {
            storage.alias(j.eqns[m].outputs[0], *x);
        }
    }
    Instr::RowFused {
        kernel: Box::new(kernel),
        ins,
        outs,
        release: SmallVec::new(),
    }
}

/// A plain fusion group's elementwise loop. An argument read for the last time here
/// (`donatable`) may be overwritten if the caller donated it.
fn emit_fused(
    j: &Jaxpr,
    classes: &[Class],
    members: &[usize],
    read_outside: &[bool],
    donatable: impl Fn(&Atom) -> Option<Var>,
    storage: &mut Storage,
) -> Instr {
    let kernels: Vec<&Kernel> = members
        .iter()
        .map(|&m| match &classes[m] {
            Class::Kernel(k) => k,
            _ => unreachable!("find_groups() groups kernels only"),
        })
        .collect();
    let (kernel, wiring) = Fused::new(
        j,
        members,
        &kernels,
        |v| read_outside[v as usize],
        donatable,
    );
    let ins = wiring.inputs.iter().map(|a| storage.atom(a)).collect();
    let outs = wiring.outputs.iter().map(|&v| storage.buffer(v)).collect();
    Instr::Fused {
        kernel: Box::new(kernel),
        ins,
        outs,
        release: SmallVec::new(),
    }
}

/// An equation run by its eager implementation, or a control-flow equation running its
/// compiled sub-programs; outputs nobody reads get no register.
fn emit_eval(j: &Jaxpr, e: &Eqn, live: &Liveness, storage: &mut Storage) -> Instr {
    let ins = e
        .inputs
        .iter()
        .map(|a| (storage.atom(a), j.atom_aval(a).clone()))
        .collect();
    let outs = e
        .outputs
        .iter()
        .map(|&v| {
            let used = live.last_use[v as usize].is_some() || live.escapes[v as usize];
            used.then(|| storage.register(v))
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

#[cfg(test)]
mod tests {
    use super::Plan;
    use crate::compiler::optimize::optimize;
    use crate::transforms::make_jaxpr;
    use crate::{numpy as jnp, Array};

    fn large(f: impl Fn(&Array, &Array) -> Array, x: &Array, y: &Array) -> bool {
        Plan::new(&optimize(&make_jaxpr(f)(x, y))).large
    }

    #[test]
    fn programs_are_large_when_a_kernel_may_use_threads() {
        let product = |x: &Array, w: &Array| jnp::matmul(x, &w.t()).tanh();
        // A decoding step's product: a large weight, one row, one thread.
        let w = jnp::ones([512, 128]);
        assert!(!large(product, &jnp::ones([1, 128]), &w));
        // The same weight with a batch of 128 rows crosses matmul's threading threshold.
        assert!(large(product, &jnp::ones([128, 128]), &w));
        // An elementwise operation or a reduction over a large value may use threads.
        assert!(large(|x, w| x.sum(None) + w.sum(None), &jnp::ones([1]), &w));
        assert!(!large(
            |x, w| x.sum(None) + w.sum(None),
            &jnp::ones([1]),
            &jnp::ones([8])
        ));
    }
}
