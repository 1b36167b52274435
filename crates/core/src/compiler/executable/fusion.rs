//! Loop fusion: a run of elementwise equations over arrays of one size becomes one kernel that
//! walks the elements in cache-sized blocks and keeps intermediate values in per-thread
//! scratch blocks, so they are never written to (or read back from) memory-sized buffers.
//!
//! Broadcasts and transposes that feed the run become strided reads of their operand inside
//! the loop. Each value the run produces that something outside reads (a later equation, an
//! alias, the program's outputs) is written to its own planned buffer; the rest live one block
//! at a time. Every operation runs the same per-element formula as its standalone kernel
//! ([`kernels::elementwise`]), so fused and unfused programs agree bit for bit.

use super::composite;
use super::float_body::{FloatBody, FloatStep, Operand, Target};
use super::kernels::{self, Dst, ElementwiseOp, Kernel, Src};
use super::scratch::{split, Scratch, SCRATCH};
use crate::array::{DType, Shape, Storage};
use crate::backend::cpu::stream::stream_fence;
use crate::backend::cpu::strided::strided_copy_range_into;
use crate::jaxpr::{Atom, Jaxpr, Var};
use rayon::prelude::*;
use smallvec::SmallVec;

/// Elements per block: long enough that a step's dispatch (operand lookup, kernel selection,
/// about 100 cycles) is small beside its loop, short enough that the handful of 8 KiB f32
/// scratch blocks a loop juggles stay in the L1 and L2 caches. On the two-core AVX2 EPYC
/// (L2 512 KiB a core), jitted GELU on 1M f32 elements (eight steps a block, the cheap ones
/// bound by cache traffic) took 0.54 ms at 2048 against 0.60 at 8192 and 0.62 at 1024;
/// AdamW's update on 10M parameters (memory-bound) 18.4 against 18.8 ms.
const BLOCK: usize = 2048;

/// Below this many elements a fused loop runs on the calling thread: waking a second thread
/// costs more than it saves on a few hundred kilobytes.
const PARALLEL_ELEMENTS: usize = 1 << 15;

/// A fused loop whose outputs take at least this many bytes computes them in scratch and
/// copies each block out with non-temporal stores: its outputs cannot stay in the caches
/// anyway (the last level holds 32 MiB), and a plain store first reads each line it writes
/// from memory (on the two-core benchmark machine, a loop reading two 40 MB arrays and writing
/// two took about 18 ms with non-temporal stores against 37 ms without).
const STREAM_BYTES: usize = 16 << 20;

/// What an equation can be in a fused loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// An elementwise kernel (`ElementwiseOp`) producing this many elements.
    Elementwise(usize),
    /// A broadcast/transpose/reversal (a strided copy) producing this many elements.
    Load(usize),
    /// A reshape-like alias: no instruction, shares its operand's storage.
    Alias,
    /// Anything else.
    Other,
}

/// Groups equations into fused loops: maximal runs, in program order, of elementwise
/// equations and strided loads producing the same number of elements. Runs of different sizes
/// may interleave (an optimiser's update walks leaves of several sizes in turn): each size has
/// its own open run, which equations of other sizes do not end. An equation that is not in a
/// run and reads a value the run produced ends it (the fused kernel runs where the run's last
/// equation was, so nothing in between may depend on it); so does a load of a value the run
/// produced (a strided read needs the whole operand). Runs without at least one elementwise
/// operation and two equations are not worth a fused kernel and are dropped.
pub(crate) fn find_groups(j: &Jaxpr, roles: &[Role]) -> Vec<Vec<usize>> {
    let mut groups = Vec::new();
    // The open runs: an id, their element count and their members.
    let mut open: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    let mut next_id = 0;
    // Which open run produced each variable.
    let mut produced: Vec<Option<usize>> = vec![None; j.avals.len()];
    let mut close = |id: usize,
                     open: &mut Vec<(usize, usize, Vec<usize>)>,
                     produced: &mut Vec<Option<usize>>| {
        let Some(k) = open.iter().position(|r| r.0 == id) else {
            return;
        };
        let (_, _, run) = open.remove(k);
        for &i in &run {
            for &v in &j.eqns[i].outputs {
                produced[v as usize] = None;
            }
        }
        let has_op = run
            .iter()
            .any(|&i| matches!(roles[i], Role::Elementwise(_)));
        if run.len() >= 2 && has_op {
            groups.push(run);
        }
    };
    for (i, e) in j.eqns.iter().enumerate() {
        let read: SmallVec<[usize; 4]> = e
            .inputs
            .iter()
            .filter_map(|a| match a {
                Atom::Var(v) => produced[*v as usize],
                _ => None,
            })
            .collect();
        let joins = match roles[i] {
            Role::Elementwise(n) => {
                // Operands of another size (none today: elementwise operands have the
                // output's shape) would need the whole value first.
                for &id in &read {
                    if open.iter().any(|r| r.0 == id && r.1 != n) {
                        close(id, &mut open, &mut produced);
                    }
                }
                Some(n)
            }
            Role::Load(n) => {
                for &id in &read {
                    close(id, &mut open, &mut produced);
                }
                Some(n)
            }
            _ => {
                for &id in &read {
                    close(id, &mut open, &mut produced);
                }
                None
            }
        };
        if let Some(n) = joins {
            let id = match open.iter().position(|r| r.1 == n) {
                Some(k) => open[k].0,
                None => {
                    next_id += 1;
                    open.push((next_id, n, Vec::new()));
                    next_id
                }
            };
            let run = open.iter_mut().find(|r| r.0 == id).expect("just opened");
            run.2.push(i);
            for &v in &e.outputs {
                produced[v as usize] = Some(id);
            }
        }
    }
    while let Some(&(id, _, _)) = open.first() {
        close(id, &mut open, &mut produced);
    }
    groups
}

/// How a fused loop reads one of its operands.
#[derive(Clone, Debug)]
pub(crate) enum Input {
    /// Element-aligned with the loop (or a single element, broadcast).
    Whole,
    /// Through a strided view (a broadcast, transpose or reversal of the operand).
    Strided {
        shape: Shape,
        strides: SmallVec<[isize; 6]>,
        offset: isize,
    },
}

/// An operand of a fused operation.
#[derive(Clone, Copy, Debug)]
enum Arg {
    /// A scratch slot written by an earlier step.
    Slot(u16),
    /// A `Whole` operand of the loop.
    Input(u16),
    /// The block of output buffer `i` an earlier step wrote.
    Output(u16),
}

/// Where a step writes its block.
#[derive(Clone, Copy, Debug)]
enum Dest {
    /// A scratch slot.
    Slot(u16),
    /// Straight into output buffer `i` (later steps read it from there).
    Output(u16),
}

/// One step of the loop body, run on a block.
#[derive(Clone, Debug)]
enum Step {
    /// An elementwise operation (`dtype`: its operands' type, as in `Kernel::Elementwise`).
    Op {
        op: ElementwiseOp,
        dtype: DType,
        args: SmallVec<[Arg; 3]>,
        dest: Dest,
    },
    /// A strided read of operand `input`.
    Load { input: u16, dest: Dest },
}

/// A fused loop: its operands, body and outputs.
#[derive(Clone, Debug)]
pub(crate) struct Fused {
    len: usize,
    inputs: Vec<Input>,
    steps: Vec<Step>,
    /// The dtype of each slot and its index among the thread's scratch blocks of that dtype.
    slots: Vec<(DType, u16)>,
    /// Where each independent part of the loop ends among the steps (see [`parts`]).
    part_ends: Vec<usize>,
    /// Outputs computed in scratch and streamed to their buffers at the end of each block
    /// (in a loop whose outputs are too large for the caches; else every output is written
    /// in place and this is empty).
    streamed: Vec<Streamed>,
    /// Donated operands an output may overwrite (see [`Alias`]).
    pub(crate) aliases: Vec<Alias>,
    /// The steps as a typed body, when they are all float operations on one dtype.
    float_body: Option<FloatBody>,
}

/// An output streamed from a scratch slot to its buffer at the end of each block of its part,
/// with non-temporal stores (see [`STREAM_BYTES`]).
#[derive(Clone, Copy, Debug)]
struct Streamed {
    output: u16,
    slot: u16,
    part: u16,
}

/// A donated operand (an argument the caller gave up, read for the last time here) whose
/// buffer may become output `output`'s buffer: the output is the operand's size and dtype.
/// When the executor hands over the buffer, each block of the operand is copied to scratch
/// slot `slot` before the block's steps run, and the steps read it from there, so the output's
/// block may be written (directly or from a slot) while they run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Alias {
    pub(crate) input: u16,
    pub(crate) output: u16,
    slot: u16,
    /// The part of the loop (see [`parts`]) that reads the operand.
    part: u16,
}

/// Splits a group into independent parts: members connected through the values they make, or
/// through an argument both read that may be donated, are in one part. Returns the members'
/// order, part by part (each in program order, parts in the order of their first member), and
/// where each part ends. A fused loop walks all elements of one part before the next, so it
/// streams through a few arrays at a time (an optimiser's update on ten leaves reads and
/// writes seventy arrays; all at once, a block of each no longer stays in the caches).
/// Sharing scratch slots stays safe: values of one part keep their relative order, and
/// values of two parts never overlap in time.
fn parts(
    j: &Jaxpr,
    members: &[usize],
    donatable: &impl Fn(&Atom) -> Option<Var>,
) -> (Vec<usize>, Vec<usize>) {
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut parent: Vec<usize> = (0..members.len()).collect();
    let mut maker: std::collections::HashMap<Var, usize> = Default::default();
    let mut reader: std::collections::HashMap<Var, usize> = Default::default();
    for (k, &i) in members.iter().enumerate() {
        for a in &j.eqns[i].inputs {
            let linked = match a {
                Atom::Var(v) => maker.get(v).copied(),
                Atom::Literal(_) => None,
            };
            let shared = donatable(a).map(|r| *reader.entry(r).or_insert(k));
            for other in linked.into_iter().chain(shared) {
                let (x, y) = (find(&mut parent, k), find(&mut parent, other));
                parent[x.max(y)] = x.min(y);
            }
        }
        for &v in &j.eqns[i].outputs {
            maker.insert(v, k);
        }
    }
    // A part's root is its first member (unions keep the smaller index as the root).
    let roots: Vec<usize> = (0..members.len()).map(|k| find(&mut parent, k)).collect();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&k| (roots[k], k));
    let mut ends = Vec::new();
    for (n, &k) in order.iter().enumerate() {
        if order.get(n + 1).is_none_or(|&next| roots[next] != roots[k]) {
            ends.push(n + 1);
        }
    }
    (order.iter().map(|&k| members[k]).collect(), ends)
}

/// The operands and outputs a fused kernel connects to.
pub(crate) struct Wiring {
    /// The operands, in the kernel's input order.
    pub(crate) inputs: Vec<Atom>,
    /// The variables the kernel writes to buffers, in output order.
    pub(crate) outputs: Vec<Var>,
}

impl Fused {
    /// Builds the loop for a group of equations (from [`find_groups`]); `kernels[k]` is the
    /// kernel member `k` would run alone, `outside(v)` says whether anything outside the group
    /// reads `v`, and `donatable(a)` gives the argument (the alias root) behind operand `a` if
    /// the loop is its last reader, so a donated buffer may be overwritten here.
    pub(crate) fn new(
        j: &Jaxpr,
        members: &[usize],
        kernels: &[&Kernel],
        outside: impl Fn(Var) -> bool,
        donatable: impl Fn(&Atom) -> Option<Var>,
    ) -> (Fused, Wiring) {
        let (order, part_ends) = parts(j, members, &donatable);
        let kernels: Vec<&Kernel> = order
            .iter()
            .map(|i| kernels[members.iter().position(|m| m == i).expect("a member")])
            .collect();
        let members = &order[..];
        let mut inputs: Vec<Input> = Vec::new();
        let mut wiring = Wiring {
            inputs: Vec::new(),
            outputs: Vec::new(),
        };
        let mut steps = Vec::new();
        let mut slot_of: std::collections::HashMap<Var, u16> = Default::default();
        // The output buffer of each output value a later step reads.
        let mut output_of: std::collections::HashMap<Var, u16> = Default::default();
        let mut slots: Vec<(DType, u16)> = Vec::new();
        // Chains of members that run as one formula (their inner values never leave it):
        // `ends[k]` is the member whose step computes member `k`'s value.
        let chains = composite::Chains::find(j, members, |k| Some(kernels[k]), &outside);
        let ends = chains.ends();
        // The last step that reads each value the group makes.
        let mut last_reader: std::collections::HashMap<Var, usize> = Default::default();
        for (k, &i) in members.iter().enumerate() {
            for a in &j.eqns[i].inputs {
                if let Atom::Var(v) = a {
                    last_reader.insert(*v, ends[k]);
                }
            }
        }
        // The last step at which each slot's value is still needed.
        let mut busy_until: Vec<usize> = Vec::new();
        let mut outputs = 0u16;
        // The step writing each output, and the slots streamed to outputs.
        let mut output_step: Vec<usize> = Vec::new();
        let mut streamed: Vec<Streamed> = Vec::new();
        let len = j.avals[j.eqns[members[0]].outputs[0] as usize].size();
        let part_of = |k: usize| part_ends.iter().position(|&e| k < e).expect("in a part");
        let output_bytes: usize = members
            .iter()
            .map(|&i| j.eqns[i].outputs[0])
            .filter(|&v| outside(v))
            .map(|v| len * j.avals[v as usize].dtype.size_in_bytes())
            .sum();
        let stream = output_bytes >= STREAM_BYTES;
        // The member position of each step (a chain's step is its last member's).
        let mut step_member: Vec<usize> = Vec::new();
        for (k, (&i, kernel)) in members.iter().zip(&kernels).enumerate() {
            if ends[k] != k {
                // Inside a chain: computed by the chain's formula at its last member.
                continue;
            }
            let e = &j.eqns[i];
            // A chain's last member runs the chain's formula on the chain's inputs.
            let (kernel, operands) = match chains.at_last(k) {
                Some(c) => {
                    let Kernel::Elementwise { dtype, .. } = kernel else {
                        unreachable!("a chain is made of elementwise kernels")
                    };
                    let op = ElementwiseOp::Composite(c.op);
                    (&Kernel::Elementwise { op, dtype: *dtype }, &c.inputs[..])
                }
                None => (*kernel, &e.inputs[..]),
            };
            let out = e.outputs[0];
            let out_dtype = j.avals[out as usize].dtype;
            let is_output = outside(out);
            let read_later = last_reader.contains_key(&out);
            if is_output {
                output_step.push(k);
            }
            let dest = if is_output && !stream {
                // Written straight into its buffer, where later steps read it (no copy).
                outputs += 1;
                if read_later {
                    output_of.insert(out, outputs - 1);
                }
                Dest::Output(outputs - 1)
            } else {
                // A slot of the output's dtype whose value is no longer needed, or a new one.
                // The operands of this step are needed until it ran, so it never writes what
                // it reads. A streamed output is needed until the end of its part's block.
                let needed = if is_output {
                    part_ends[part_of(k)] - 1
                } else {
                    last_reader.get(&out).copied().unwrap_or(k)
                };
                let free = (0..slots.len()).find(|&s| slots[s].0 == out_dtype && busy_until[s] < k);
                let s = free.unwrap_or_else(|| {
                    let index = slots.iter().filter(|(d, _)| *d == out_dtype).count() as u16;
                    slots.push((out_dtype, index));
                    busy_until.push(0);
                    slots.len() - 1
                });
                busy_until[s] = needed;
                slot_of.insert(out, s as u16);
                if is_output {
                    outputs += 1;
                    streamed.push(Streamed {
                        output: outputs - 1,
                        slot: s as u16,
                        part: part_of(k) as u16,
                    });
                }
                Dest::Slot(s as u16)
            };
            if is_output {
                wiring.outputs.push(out);
            }
            step_member.push(k);
            steps.push(match kernel {
                Kernel::Elementwise { op, dtype } => {
                    let args = operands
                        .iter()
                        .map(|a| match a {
                            Atom::Var(v) if slot_of.contains_key(v) => Arg::Slot(slot_of[v]),
                            Atom::Var(v) if output_of.contains_key(v) => Arg::Output(output_of[v]),
                            // An operand read twice is one input (so a donated one is handed
                            // over once).
                            Atom::Var(v) => match wiring
                                .inputs
                                .iter()
                                .position(|w| matches!(w, Atom::Var(u) if u == v))
                            {
                                Some(i) if matches!(inputs[i], Input::Whole) => {
                                    Arg::Input(i as u16)
                                }
                                _ => {
                                    wiring.inputs.push(Atom::Var(*v));
                                    inputs.push(Input::Whole);
                                    Arg::Input(inputs.len() as u16 - 1)
                                }
                            },
                            lit => {
                                wiring.inputs.push(lit.clone());
                                inputs.push(Input::Whole);
                                Arg::Input(inputs.len() as u16 - 1)
                            }
                        })
                        .collect();
                    Step::Op {
                        op: *op,
                        dtype: *dtype,
                        args,
                        dest,
                    }
                }
                Kernel::StridedCopy {
                    shape,
                    strides,
                    offset,
                    ..
                } => {
                    wiring.inputs.push(e.inputs[0].clone());
                    inputs.push(Input::Strided {
                        shape: shape.clone(),
                        strides: strides.clone(),
                        offset: *offset,
                    });
                    Step::Load {
                        input: inputs.len() as u16 - 1,
                        dest,
                    }
                }
                other => unreachable!("find_groups() fuses no {other:?}"),
            });
        }
        // Pair donatable operands with outputs of their dtype. When the buffer is handed over,
        // each block of the operand is copied to its slot before any step runs and every step
        // reads it from there, so a step may write the output's block in place (the
        // operand's block is then already saved) and an output that does not alias anything
        // costs no copy.
        let mut aliases = Vec::new();
        let new_slot = |slots: &mut Vec<(DType, u16)>, d: DType| {
            let index = slots.iter().filter(|(e, _)| *e == d).count() as u16;
            slots.push((d, index));
            slots.len() as u16 - 1
        };
        let roots: Vec<Option<Var>> = wiring.inputs.iter().map(&donatable).collect();

        for (i, a) in wiring.inputs.iter().enumerate() {
            let aval = j.atom_aval(a);
            // Only an operand read through this one input (no strided view or alias of the
            // same buffer elsewhere in the loop) can be overwritten block by block.
            let sole = roots[i].is_some()
                && roots
                    .iter()
                    .enumerate()
                    .all(|(k, r)| k == i || *r != roots[i]);
            if !matches!(inputs[i], Input::Whole) || aval.size() != len || !sole {
                continue;
            }
            // Several operands may name the same output: the executor uses the first one the
            // caller actually donated. Unnamed outputs are preferred.
            // The output must be written in the part that reads the operand: a part runs
            // over all elements before the next one starts.
            let reads = |s: &Step| {
                matches!(s, Step::Op { args, .. }
                    if args.iter().any(|a| matches!(a, Arg::Input(x) if *x as usize == i)))
            };
            let first = steps.iter().position(reads).expect("an operand is read");
            let part = part_of(step_member[first]);
            let paired = |o: &usize| aliases.iter().any(|x: &Alias| x.output as usize == *o);
            let fits = |o: &usize| {
                j.avals[wiring.outputs[*o] as usize].dtype == aval.dtype
                    && part_of(output_step[*o]) == part
            };
            let Some(o) = (0..outputs as usize)
                .find(|o| fits(o) && !paired(o))
                .or_else(|| (0..outputs as usize).find(fits))
            else {
                continue;
            };
            aliases.push(Alias {
                input: i as u16,
                output: o as u16,
                slot: new_slot(&mut slots, aval.dtype),
                part: part as u16,
            });
        }
        let float_body = float_body(&steps, &slots);
        // Where each part ends among the steps (members inside a chain have none).
        let part_ends = part_ends
            .iter()
            .map(|&e| step_member.iter().filter(|&&k| k < e).count())
            .collect();
        (
            Fused {
                len,
                inputs,
                steps,
                slots,
                part_ends,
                streamed,
                aliases,
                float_body,
            },
            wiring,
        )
    }

    /// Runs the loop: `ins` are the operands' buffers in wiring order, `outs` the output
    /// buffers; `donated[k]` says that output `aliases[k].output` holds donated operand
    /// `aliases[k].input` (whose entry in `ins` is then not read).
    pub(crate) fn run(&self, ins: &[&Storage], outs: &mut [&mut Storage], donated: &[bool]) {
        let srcs: SmallVec<[Src<'_>; 8]> = ins.iter().map(|s| Src::of(s)).collect();
        let dsts: SmallVec<[Dst<'_>; 4]> = outs.iter_mut().map(|s| Dst::of(s)).collect();
        let threads = if self.len < PARALLEL_ELEMENTS {
            1
        } else {
            rayon::current_num_threads()
        };
        if threads < 2 {
            self.run_range(&srcs, 0, self.len, dsts, donated);
            return;
        }
        // Whole blocks per chunk, two chunks per thread to even out load.
        let chunks = 2 * threads;
        let per = self.len.div_ceil(chunks).div_ceil(BLOCK) * BLOCK;
        let mut parts: Vec<(usize, SmallVec<[Dst<'_>; 4]>)> = (0..self.len.div_ceil(per))
            .map(|c| (c * per, SmallVec::new()))
            .collect();
        for d in dsts {
            for (part, piece) in parts.iter_mut().zip(split(d, per)) {
                part.1.push(piece);
            }
        }
        parts.into_par_iter().for_each(|(start, dsts)| {
            let end = (start + per).min(self.len);
            self.run_range(&srcs, start, end, dsts, donated)
        });
    }

    /// Runs elements `start..end`; `dsts` are the outputs' elements from `start` on.
    fn run_range(
        &self,
        srcs: &[Src<'_>],
        start: usize,
        end: usize,
        mut dsts: SmallVec<[Dst<'_>; 4]>,
        donated: &[bool],
    ) {
        // Where each input is read from: its buffer, or the slot a donated one is copied to.
        let mut from_slot: SmallVec<[Option<u16>; 8]> = SmallVec::from_elem(None, srcs.len());
        for (a, _) in self.aliases.iter().zip(donated).filter(|(_, d)| **d) {
            from_slot[a.input as usize] = Some(a.slot);
        }
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            scratch.reserve(&self.slots, BLOCK);
            let mut first = 0;
            for (part, &last) in self.part_ends.iter().enumerate() {
                let mut b = start;
                while b < end {
                    let n = BLOCK.min(end - b);
                    for (a, _) in self.aliases.iter().zip(donated).filter(|(_, d)| **d) {
                        if a.part as usize == part {
                            let (d, idx) = self.slots[a.slot as usize];
                            scratch.copy_in((d, idx), dsts[a.output as usize].window(b - start, n));
                        }
                    }
                    match &self.float_body {
                        Some(body) => body.run(
                            first..last,
                            srcs,
                            &from_slot,
                            &mut scratch,
                            &mut dsts,
                            b,
                            b - start,
                            n,
                        ),
                        None => {
                            for step in &self.steps[first..last] {
                                self.step(
                                    step,
                                    srcs,
                                    &from_slot,
                                    &mut scratch,
                                    &mut dsts,
                                    b,
                                    b - start,
                                    n,
                                );
                            }
                        }
                    }
                    for s in self.streamed.iter().filter(|s| s.part as usize == part) {
                        let (d, idx) = self.slots[s.slot as usize];
                        scratch.stream_out((d, idx), n, &mut dsts[s.output as usize], b - start);
                    }
                    b += n;
                }
                first = last;
            }
            if !self.streamed.is_empty() {
                stream_fence();
            }
        })
    }

    /// Runs one step on elements `b..b + n` (`at..at + n` of the outputs' pieces).
    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        step: &Step,
        srcs: &[Src<'_>],
        from_slot: &[Option<u16>],
        scratch: &mut Scratch,
        dsts: &mut [Dst<'_>],
        b: usize,
        at: usize,
        n: usize,
    ) {
        let dest = match step {
            Step::Op { dest, .. } | Step::Load { dest, .. } => *dest,
        };
        // The block to write: a scratch slot taken out of the pool (and put back after), or
        // the output's window; the other outputs stay readable.
        let mut taken = match dest {
            Dest::Slot(s) => {
                let (d, idx) = self.slots[s as usize];
                Some((scratch.take(d, idx), idx))
            }
            Dest::Output(_) => None,
        };
        let (before, current, after): (&[Dst<'_>], _, &[Dst<'_>]) = match dest {
            Dest::Output(o) => {
                let (before, rest) = dsts.split_at_mut(o as usize);
                let (current, after) = rest.split_first_mut().expect("an output of the loop");
                (before, Some(current), after)
            }
            Dest::Slot(_) => (dsts, None, &[]),
        };
        let out = match (&mut taken, current) {
            (Some((block, _)), _) => block.dst(n),
            (None, Some(current)) => current.window(at, n),
            (None, None) => unreachable!("slots are taken above"),
        };
        let output = |o: u16| -> Src<'_> {
            let o = o as usize;
            match o.cmp(&before.len()) {
                std::cmp::Ordering::Less => before[o].src(at, n),
                std::cmp::Ordering::Greater => after[o - before.len() - 1].src(at, n),
                std::cmp::Ordering::Equal => unreachable!("a step never reads what it writes"),
            }
        };
        match step {
            Step::Op {
                op, dtype, args, ..
            } => {
                // A plain loop over an inlined lookup: collecting through an iterator
                // returned each operand through memory, and the store-forwarding stalls that
                // caused were a quarter of a step's overhead.
                let mut a: SmallVec<[Src<'_>; 3]> = SmallVec::new();
                let slot = |s: u16| {
                    let (d, idx) = self.slots[s as usize];
                    scratch.src(d, idx, n)
                };
                for arg in args {
                    a.push(match *arg {
                        Arg::Input(i) => match from_slot[i as usize] {
                            Some(s) => slot(s),
                            None => srcs[i as usize].window(b, n),
                        },
                        Arg::Slot(s) => slot(s),
                        Arg::Output(o) => output(o),
                    });
                }
                kernels::elementwise(*op, *dtype, &a, out);
            }
            Step::Load { input, .. } => {
                let Input::Strided {
                    shape,
                    strides,
                    offset,
                } = &self.inputs[*input as usize]
                else {
                    unreachable!("loads read strided operands")
                };
                match (srcs[*input as usize], out) {
                    (Src::F32(x), Dst::F32(o)) => {
                        strided_copy_range_into(x, shape, strides, *offset, b, o)
                    }
                    (Src::F64(x), Dst::F64(o)) => {
                        strided_copy_range_into(x, shape, strides, *offset, b, o)
                    }
                    (Src::I32(x), Dst::I32(o)) => {
                        strided_copy_range_into(x, shape, strides, *offset, b, o)
                    }
                    (Src::Bool(x), Dst::Bool(o)) => {
                        strided_copy_range_into(x, shape, strides, *offset, b, o)
                    }
                    _ => unreachable!("a load keeps its operand's dtype"),
                }
            }
        }
        if let Some((block, idx)) = taken {
            scratch.put(block, idx);
        }
    }
}

/// The steps as a [`FloatBody`]: when every step is a float operation with a result of its
/// operands' type, all on f32 or all on f64, and every slot has that dtype (so slot `i` is
/// block `i` of the dtype's scratch pool).
fn float_body(steps: &[Step], slots: &[(DType, u16)]) -> Option<FloatBody> {
    let dtype = match steps.first()? {
        Step::Op { dtype, .. } if matches!(dtype, DType::F32 | DType::F64) => *dtype,
        _ => return None,
    };
    let pooled = slots
        .iter()
        .enumerate()
        .all(|(i, &(d, idx))| d == dtype && idx as usize == i);
    if !pooled {
        return None;
    }
    let operand = |a: &Arg| match *a {
        Arg::Slot(s) => Operand::Slot(s),
        Arg::Input(i) => Operand::Input(i),
        Arg::Output(o) => Operand::Output(o),
    };
    steps
        .iter()
        .map(|step| match step {
            Step::Op {
                op:
                    op @ (ElementwiseOp::Unary(_)
                    | ElementwiseOp::Binary(_)
                    | ElementwiseOp::Fma
                    | ElementwiseOp::Composite(_)),
                dtype: d,
                args,
                dest,
            } if *d == dtype && args.len() <= 3 => Some(FloatStep {
                op: *op,
                args: [0, 1, 2].map(|i| args.get(i).map(operand)),
                dest: match *dest {
                    Dest::Slot(s) => Target::Slot(s),
                    Dest::Output(o) => Target::Output(o),
                },
            }),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(|steps| FloatBody { dtype, steps })
}

#[cfg(test)]
mod tests {
    use super::super::plan::{Instr, Plan};
    use super::ElementwiseOp;
    use crate::compiler::optimize::optimize;
    use crate::transforms::make_jaxpr;
    use crate::{numpy as jnp, Array};

    fn plan_of(f: impl Fn(&Array, &Array) -> (Array, Array), x: &Array, y: &Array) -> Plan {
        Plan::new(&optimize(&make_jaxpr(f)(x, y)))
    }

    /// The number of outputs of each fused loop, and the number of instructions.
    fn shape(plan: &Plan) -> (Vec<usize>, usize) {
        let fused = plan
            .instrs
            .iter()
            .filter_map(|i| match i {
                Instr::Fused { outs, .. } => Some(outs.len()),
                _ => None,
            })
            .collect();
        (fused, plan.instrs.len())
    }

    /// Whether each fused loop of the plan runs the typed float body.
    fn typed(plan: &Plan) -> Vec<bool> {
        plan.instrs
            .iter()
            .filter_map(|i| match i {
                Instr::Fused { kernel, .. } => Some(kernel.float_body.is_some()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn float_only_loops_take_the_typed_body_and_mixed_ones_do_not() {
        let gelu = |x: &Array, _: &Array| {
            let y = crate::nn::gelu(x);
            (y.clone(), y)
        };
        let f64s = |x: &Array, y: &Array| {
            let z = (x * x + 1.0).sqrt();
            (z.clone(), z * y)
        };
        let relu_and_mask = |x: &Array, b: &Array| {
            let pre = x + b;
            let mask = jnp::less_equal(&pre, &jnp::zeros_like(&pre));
            (jnp::where_(&mask, &jnp::zeros_like(&pre), &pre), mask)
        };
        let x = jnp::zeros([4, 600]);
        assert_eq!(typed(&plan_of(gelu, &x, &x)), vec![true]);
        let x64 = x.astype(crate::DType::F64);
        assert_eq!(typed(&plan_of(f64s, &x64, &x64)), vec![true]);
        assert_eq!(
            typed(&plan_of(relu_and_mask, &x, &jnp::zeros([600]))),
            vec![false]
        );
    }

    /// The operations of each fused loop's steps.
    fn step_ops(plan: &Plan) -> Vec<Vec<ElementwiseOp>> {
        plan.instrs
            .iter()
            .filter_map(|i| match i {
                Instr::Fused { kernel, .. } => Some(
                    kernel
                        .steps
                        .iter()
                        .filter_map(|s| match s {
                            super::Step::Op { op, .. } => Some(*op),
                            super::Step::Load { .. } => None,
                        })
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }

    /// `jax.nn.gelu(x, approximate=True)` an operation at a time, as it traces; with its
    /// `tanh` argument too.
    fn gelu_by_hand(x: &Array) -> (Array, Array) {
        let c = Array::weak_scalar;
        let cubic = &c(0.044715) * &jnp::integer_pow(x, 3);
        let scale = Array::scalar((2.0f64 / std::f64::consts::PI).sqrt()).astype(x.dtype());
        let inner = &scale * &(x + &cubic);
        let cdf = &c(0.5) * &(&c(1.0) + &jnp::tanh(&inner));
        (x * &cdf, inner)
    }

    /// Asserts `got` and `want` hold the same bits, except which NaN a NaN carries.
    fn assert_same_bits(got: &Array, want: &Array) {
        let wide = |a: &Array| a.astype(crate::DType::F64).to_vec::<f64>();
        let what = format!("{}", got.dtype());
        super::super::composite::assert_same_bits_but_nans(&wide(got), &wide(want), &what);
    }

    #[test]
    fn gelu_runs_as_one_formula_step_with_the_bits_of_its_equations() {
        use super::super::composite::Composite;
        let mut v: Vec<f32> = (0..6000).map(|i| (i as f32 - 3000.0) * 0.003).collect();
        v.extend([
            0.0,
            -0.0,
            1e-39,
            20.0,
            -20.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ]);
        let x = Array::from_vec(v, [6008]);
        let x64 = x.astype(crate::DType::F64);
        for x in [&x, &x64] {
            let gelu = |x: &Array, _: &Array| {
                let y = crate::nn::gelu(x);
                (y.clone(), y)
            };
            let ops = step_ops(&plan_of(gelu, x, x));
            let one_formula = matches!(ops[..], [ref steps]
                if matches!(steps[..], [ElementwiseOp::Composite(Composite::GeluTanh { .. })]));
            assert!(one_formula, "{ops:?}");
            let jaxpr = make_jaxpr(|x: &Array| crate::nn::gelu(x))(x);
            let got = super::super::Executable::compile(&jaxpr).run(&[x]);
            assert_same_bits(&got[0], &gelu_by_hand(x).0);
        }
        // When the program also returns an inner value, that value needs its own step: the
        // chain does not form, and the results are the same.
        let both = |x: &Array, _: &Array| gelu_by_hand(x);
        let ops = step_ops(&plan_of(both, &x, &x));
        let composite = |op: &ElementwiseOp| matches!(op, ElementwiseOp::Composite(_));
        assert!(!ops.iter().flatten().any(composite), "{ops:?}");
        let jaxpr = make_jaxpr(|x: &Array| gelu_by_hand(x))(&x);
        let got = super::super::Executable::compile(&jaxpr).run(&[&x]);
        let (gelu, inner) = gelu_by_hand(&x);
        assert_same_bits(&got[0], &gelu);
        assert_same_bits(&got[1], &inner);
    }

    #[test]
    fn silu_exp_of_a_difference_and_log1p_of_abs_run_as_formulas_with_their_equations_bits() {
        use super::super::composite::Composite;
        let x = crate::random::normal(crate::random::key(3), [4, 1500], crate::DType::F32);
        let y = crate::random::normal(crate::random::key(4), [1500], crate::DType::F32);
        let f = |x: &Array, y: &Array| (crate::nn::silu(x), jnp::exp(&(x - y)));
        let ops = step_ops(&plan_of(f, &x, &y));
        let formulas: Vec<&ElementwiseOp> = ops
            .iter()
            .flatten()
            .filter(|op| matches!(op, ElementwiseOp::Composite(_)))
            .collect();
        assert_eq!(
            formulas,
            [
                &ElementwiseOp::Composite(Composite::Silu),
                &ElementwiseOp::Composite(Composite::ExpOfDifference)
            ],
            "{ops:?}"
        );
        let got = super::super::Executable::compile(&make_jaxpr(f)(&x, &y)).run(&[&x, &y]);
        // Eagerly, an operation at a time.
        let silu = &x * &crate::nn::sigmoid(&x);
        assert_same_bits(&got[0], &silu);
        assert_same_bits(&got[1], &jnp::exp(&(&x - &y)));

        // `log1p(abs(x))`, next to a sum that stays a step of its own.
        let g = |x: &Array, y: &Array| (jnp::log1p(&jnp::abs(x)), x + y);
        let ops = step_ops(&plan_of(g, &x, &y));
        let log1p_of_abs = ElementwiseOp::Composite(Composite::Log1pOfAbs);
        let formulas = ops.iter().flatten().filter(|op| **op == log1p_of_abs);
        assert_eq!(formulas.count(), 1, "{ops:?}");
        let got = super::super::Executable::compile(&make_jaxpr(g)(&x, &y)).run(&[&x, &y]);
        assert_same_bits(&got[0], &jnp::log1p(&jnp::abs(&x)));
        assert_same_bits(&got[1], &(&x + &y));
    }

    #[test]
    fn a_dense_layer_activation_is_one_loop_writing_only_what_is_read_later() {
        let relu_and_mask = |x: &Array, b: &Array| {
            let pre = x + b;
            let zero = jnp::zeros_like(&pre);
            let mask = jnp::less_equal(&pre, &zero);
            (jnp::where_(&mask, &zero, &pre), mask)
        };
        let x = jnp::zeros([4, 600]);
        let b = jnp::zeros([600]);
        // The bias broadcast, the zeros, the add, the compare and the select: one loop, which
        // writes the two outputs and keeps `pre` and the broadcasts in scratch.
        assert_eq!(shape(&plan_of(relu_and_mask, &x, &b)), (vec![2], 1));
    }

    #[test]
    fn an_output_read_later_in_the_loop_stays_one_loop_with_eagers_bits() {
        // Adam's moments: each is an output and feeds the update computed after it.
        let f = |m: &Array, g: &Array| {
            let m_new = m * 0.9 + g * 0.1;
            let update = (&m_new / (m_new.abs() + 1e-8)).tanh() * -0.01;
            (m_new, update)
        };
        let m = crate::random::normal(crate::random::key(1), [3, 2100], crate::DType::F32);
        let g = crate::random::normal(crate::random::key(2), [3, 2100], crate::DType::F32);
        let plan = plan_of(f, &m, &g);
        assert_eq!(shape(&plan), (vec![2], 1));
        let exe = super::super::Executable::compile(&make_jaxpr(f)(&m, &g));
        let got = exe.run(&[&m, &g]);
        let want = f(&m, &g);
        assert_eq!(got[0].to_vec::<f32>(), want.0.to_vec::<f32>());
        assert_eq!(got[1].to_vec::<f32>(), want.1.to_vec::<f32>());
    }

    #[test]
    fn leaves_of_two_sizes_updated_stage_by_stage_make_one_loop_per_size() {
        // An optimiser's update applies each stage to every leaf in turn, so the sizes
        // alternate in program order: one loop per size all the same, each written in place.
        let f = |a: &Array, b: &Array| {
            let (a2, b2) = (a * 0.9, b * 0.9);
            let (a3, b3) = (&a2 + 1.0, &b2 + 1.0);
            ((&a3 * &a2).sqrt(), (&b3 * &b2).sqrt())
        };
        let a = crate::random::uniform(crate::random::key(1), [700], crate::DType::F32, 0.0, 1.0);
        let b =
            crate::random::uniform(crate::random::key(2), [3, 500], crate::DType::F32, 0.0, 1.0);
        let plan = plan_of(f, &a, &b);
        assert_eq!(shape(&plan), (vec![1, 1], 2));
        let exe = super::super::Executable::compile(&make_jaxpr(f)(&a, &b));
        let got = exe.run(&[&a, &b]);
        let want = f(&a, &b);
        assert_eq!(got[0].to_vec::<f32>(), want.0.to_vec::<f32>());
        assert_eq!(got[1].to_vec::<f32>(), want.1.to_vec::<f32>());
    }

    #[test]
    fn independent_parts_of_a_loop_run_one_after_the_other_with_eagers_bits() {
        // Two leaves of one size: one loop of two parts, each writing a moment it reads again;
        // at 4.4M elements the outputs (70 MB) are streamed out of scratch.
        let f = |m: &Array, g: &Array| {
            let m2 = m * 0.9 + 0.1;
            let u = (&m2 / (m2.abs() + 1e-8)).tanh();
            let g2 = g * 0.5 + 0.25;
            let v = (&g2 * &g2).exp();
            (m2, u, g2, v)
        };
        for shape in [[5, 2100], [2100, 2100]] {
            let m = crate::random::normal(crate::random::key(1), shape, crate::DType::F32);
            let g = crate::random::normal(crate::random::key(2), shape, crate::DType::F32);
            let exe = super::super::Executable::compile(&make_jaxpr(f)(&m, &g));
            let got = exe.run(&[&m, &g]);
            let want = f(&m, &g);
            for (x, y) in got.iter().zip([&want.0, &want.1, &want.2, &want.3]) {
                assert_eq!(x.to_vec::<f32>(), y.to_vec::<f32>());
            }
        }
    }

    #[test]
    fn a_run_ends_where_something_else_reads_it() {
        let f = |x: &Array, y: &Array| {
            let a = x.exp() * 2.0;
            let total = a.sum(None);
            // Reads `a` after the reduction: a second loop.
            ((&a + y).tanh() + &total, total)
        };
        let x = jnp::zeros([30, 50]);
        let plan = plan_of(f, &x, &x);
        let (fused, instrs) = shape(&plan);
        // exp·2 (writing `a` for the reduction), the reduction, then add·tanh·add with the
        // broadcast of the total.
        assert_eq!(fused, vec![1, 1]);
        assert_eq!(instrs, 3);
        let want = f(&jnp::ones([30, 50]), &x);
        let exe = super::super::Executable::compile(&make_jaxpr(f)(&x, &x));
        let got = exe.run(&[&jnp::ones([30, 50]), &x]);
        assert_eq!(got[0].to_vec::<f32>(), want.0.to_vec::<f32>());
    }

    #[test]
    fn block_windows_of_a_strided_view_match_the_whole_copy() {
        use crate::backend::cpu::strided::{strided_copy, strided_copy_range_into};
        let src: Vec<i32> = (0..60).collect();
        // A transpose with a reversed axis of a [3, 4, 5] array, read in windows of 7.
        let shape = [5, 3, 4];
        let strides = [1isize, 20, -5];
        let offset = 15;
        let whole = strided_copy(&src, &shape, &strides, offset);
        for start in (0..60).step_by(7) {
            let n = 7.min(60 - start);
            let mut out = vec![0; n];
            strided_copy_range_into(&src, &shape, &strides, offset, start, &mut out);
            assert_eq!(out, whole[start..start + n], "window at {start}");
        }
    }
}
