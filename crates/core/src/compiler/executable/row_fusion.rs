//! Row fusion: a chain of elementwise operations, reductions over the trailing (contiguous)
//! axes and broadcasts of their results back along those axes (softmax, log-softmax, layer
//! norm's statistics) runs row chunk by row chunk, so every step of the chain reads and writes
//! a chunk that stays in cache instead of making a pass over memory-sized buffers.
//!
//! The program's elements are seen as `rows` rows of `cols` contiguous elements. A value of
//! the group holds either one element per element (*full*) or one per row (*row*); a chunk of
//! `k` rows holds `k * cols` or `k` of them. Each step runs the per-element loop of its
//! standalone kernel ([`kernels::elementwise`]) on the chunk, and a reduction folds each row
//! with [`reduce_rows_into`], the fold the standalone row reduction uses, so the results agree with
//! the unfused program bit for bit.

use super::composite;
use super::fusion::Wiring;
use super::kernels::{self, Dst, ElementwiseOp, Kernel, Src};
use super::scratch::{split, Scratch, SCRATCH};
use crate::array::{DType, Shape, ShapeDtype, Storage};
use crate::backend::cpu::order_key::{MaxKeys, MinKeys, OrderKey};
use crate::backend::cpu::reduce::{reduce_rows_folded_into, reduce_rows_into};
use crate::backend::cpu::strided::strided_copy_range_into;
use crate::backend::cpu::PARALLEL_THRESHOLD;
use crate::jaxpr::{Atom, Jaxpr, Var};
use crate::prims::reduce::{ReduceKind, ReduceOp};
use crate::prims::Primitive;
use rayon::prelude::*;
use smallvec::SmallVec;
use std::collections::HashMap;

/// Elements per chunk (at least one row): a few f32 chunks fit in a core's L1/L2 cache. On the
/// two-core AVX2 EPYC, jitted softmax over (1000, 1000) f32 took 0.57 ms at 4096 (four rows a
/// chunk) against 0.61 at 2048, where each row's steps paid their dispatch twice as often.
const CHUNK: usize = 4096;

/// Rows longer than this are not row-fused. It stays below the standalone reduction's
/// parallel threshold, which splits a single long row across threads (a different
/// association of the sum), so a fused row always folds exactly like the standalone one.
const MAX_ROW: usize = PARALLEL_THRESHOLD / 2;

/// Rows at least this long read a broadcast per-row value straight from the per-row scratch,
/// one row at a time, instead of filling a chunk with it: a call per row costs less than the
/// fill from here on.
const ROW_READ_MIN: usize = 64;

/// Below this many elements a row-fused loop runs on the calling thread, as fused loops do.
const PARALLEL_ELEMENTS: usize = 1 << 15;

/// What an equation is to row fusion.
enum Member<'a> {
    /// A reshape-like alias of its operand.
    Alias,
    /// A reduction over trailing axes of f32/f64: `rows` rows of `cols` elements (at least two
    /// rows: a reduction to one value is one long fold, which plain fusion feeds as well).
    Reduce {
        kind: ReduceKind,
        rows: usize,
        cols: usize,
    },
    /// An elementwise kernel.
    Elementwise(ElementwiseOp, DType),
    /// A strided copy (broadcast, transpose, reversal).
    Load(&'a Shape, &'a [isize], isize),
    /// Anything else.
    Other,
}

/// Classifies equation `i`; `kernel` is its standalone kernel, `alias` whether the planner
/// aliases it.
fn member<'a>(j: &Jaxpr, i: usize, kernel: Option<&'a Kernel>, alias: bool) -> Member<'a> {
    let e = &j.eqns[i];
    if e.outputs.len() != 1 {
        return Member::Other;
    }
    if alias {
        return Member::Alias;
    }
    match (kernel, &e.prim) {
        (Some(Kernel::Elementwise { op, dtype }), _) => Member::Elementwise(*op, *dtype),
        (
            Some(Kernel::StridedCopy {
                shape,
                strides,
                offset,
                dtype,
            }),
            _,
        ) if kernels::is_lane(*dtype) => Member::Load(shape, strides, *offset),
        (_, Primitive::Reduce(ReduceOp::Reduce { kind, axes })) => {
            let x = j.atom_aval(&e.inputs[0]);
            let nd = x.ndim();
            // Only reductions the standalone kernel folds as contiguous rows, in axis order.
            let trailing = !axes.is_empty()
                && axes
                    .iter()
                    .enumerate()
                    .all(|(k, &a)| a == nd - axes.len() + k);
            let cols: usize = x.shape[nd.saturating_sub(axes.len())..].iter().product();
            let rows: usize = x.shape[..nd.saturating_sub(axes.len())].iter().product();
            let fits = matches!(kind, ReduceKind::Sum | ReduceKind::Max | ReduceKind::Min)
                && matches!(x.dtype, DType::F32 | DType::F64);
            if trailing && fits && rows >= 2 && cols > 0 && cols <= MAX_ROW {
                Member::Reduce {
                    kind: *kind,
                    rows,
                    cols,
                }
            } else {
                Member::Other
            }
        }
        _ => Member::Other,
    }
}

/// Whether a strided copy of shape `shape` and `strides` (offset 0) repeats each of `rows`
/// consecutive values `cols` times: the value of row `r` fills elements `r * cols..`.
fn is_row_broadcast(shape: &[usize], strides: &[isize], offset: isize, cols: usize) -> bool {
    // The split between the row axes and the broadcast (column) axes.
    let mut k = shape.len();
    let mut inner = 1;
    while inner < cols && k > 0 {
        k -= 1;
        inner *= shape[k];
    }
    if inner != cols || offset != 0 {
        return false;
    }
    let mut step = 1isize;
    for a in (0..shape.len()).rev() {
        if shape[a] == 1 {
            continue;
        }
        if a >= k {
            if strides[a] != 0 {
                return false;
            }
        } else {
            if strides[a] != step {
                return false;
            }
            step *= shape[a] as isize;
        }
    }
    true
}

/// Finds the row-fused groups: maximal runs, in program order, of equations that share one
/// row layout (`rows` rows of `cols` elements) and contain a trailing-axes reduction.
/// `kernel(i)` is equation `i`'s standalone kernel and `alias(i)` whether it is an alias.
///
/// A run holds elementwise operations on full or row values, strided loads of values made
/// before the run, reductions and broadcasts of row values back to full ones; aliases of the
/// run's values join it, other aliases may sit inside it. Anything else ends it, so nothing
/// between a group's first and last member reads what the group makes (the group runs where
/// its last member was).
pub(crate) fn find_groups<'a>(
    j: &Jaxpr,
    kernel: impl Fn(usize) -> Option<&'a Kernel>,
    alias: impl Fn(usize) -> bool,
) -> Vec<Vec<usize>> {
    let mut groups = Vec::new();
    let mut run = Run::default();
    let mut inside = vec![false; j.avals.len()];
    let size = |a: &Atom| j.atom_aval(a).size();
    for (i, e) in j.eqns.iter().enumerate() {
        let out = e.outputs.first().map(|&v| j.avals[v as usize].size());
        let joins = match member(j, i, kernel(i), alias(i)) {
            Member::Alias => match &e.inputs[0] {
                Atom::Var(v) if inside[*v as usize] => true,
                _ => continue,
            },
            Member::Reduce { rows, cols, .. } => {
                let fits = run.full == rows * cols && run.row.is_none_or(|r| r == (rows, cols));
                if !fits || run.members.is_empty() {
                    run.close(&mut groups, &mut inside, j);
                    run.full = rows * cols;
                }
                run.row = Some((rows, cols));
                run.reduces = true;
                true
            }
            m @ (Member::Elementwise(..) | Member::Load(..)) => {
                let n = out.expect("kernels have one output");
                let is_load = matches!(m, Member::Load(..));
                // A load reads a value of the run only as a row broadcast; elementwise operands
                // are the output's size or broadcast single elements.
                let operands_fit = e.inputs.iter().all(|a| match a {
                    Atom::Var(v) if inside[*v as usize] && is_load => {
                        row_broadcast_fits(j, i, &run)
                    }
                    a => is_load || size(a) == n || size(a) == 1,
                });
                let sized = n == run.full || run.row.is_some_and(|(r, _)| n == r);
                if !sized || !operands_fit || run.members.is_empty() {
                    // A new run (whose row layout its first reduction decides); what it reads
                    // of the closed one comes from buffers.
                    run.close(&mut groups, &mut inside, j);
                    run.full = n;
                }
                true
            }
            Member::Other => {
                run.close(&mut groups, &mut inside, j);
                false
            }
        };
        if joins {
            run.members.push(i);
            for &v in &e.outputs {
                inside[v as usize] = true;
            }
        }
    }
    run.close(&mut groups, &mut inside, j);
    groups
}

/// Whether load `i`, which reads a value of `run`, broadcasts a row value to a full one.
fn row_broadcast_fits(j: &Jaxpr, i: usize, run: &Run) -> bool {
    let e = &j.eqns[i];
    let (Some((rows, cols)), Primitive::Layout(_)) = (run.row, &e.prim) else {
        return false;
    };
    let x: &ShapeDtype = j.atom_aval(&e.inputs[0]);
    let out = &j.avals[e.outputs[0] as usize];
    let Some(Kernel::StridedCopy {
        strides, offset, ..
    }) = kernels::select(&e.prim, &[x], out)
    else {
        return false;
    };
    x.size() == rows
        && out.size() == rows * cols
        && is_row_broadcast(&out.shape, &strides, offset, cols)
}

/// The run [`find_groups`] is growing.
#[derive(Default)]
struct Run {
    members: Vec<usize>,
    /// Elements of a full value.
    full: usize,
    /// The row layout, once a reduction set it.
    row: Option<(usize, usize)>,
    /// Whether the run has a reduction (else it is left to plain fusion).
    reduces: bool,
}

impl Run {
    fn close(&mut self, groups: &mut Vec<Vec<usize>>, inside: &mut [bool], j: &Jaxpr) {
        let run = std::mem::take(self);
        for &i in &run.members {
            for &v in &j.eqns[i].outputs {
                inside[v as usize] = false;
            }
        }
        if run.reduces && run.members.len() >= 2 {
            groups.push(run.members);
        }
    }
}

/// An operand of a step.
#[derive(Clone, Copy, Debug)]
enum Arg {
    /// A scratch slot written by an earlier step; `true` if it holds a full value.
    Slot(u16, bool),
    /// An operand of the loop.
    Input(u16),
    /// A per-row slot broadcast along each row (an elementwise operation then runs row by
    /// row, reading the row's value as a single element).
    Rows(u16),
}

/// Where a step writes its chunk.
#[derive(Clone, Copy, Debug)]
enum Dest {
    /// A scratch slot.
    Slot(u16),
    /// Straight into output buffer `i` (an output no later step reads).
    Output(u16),
}

/// One step of the loop body, run on a chunk of rows.
#[derive(Clone, Debug)]
enum Step {
    /// An elementwise operation on full values (`full`) or row values.
    Op {
        op: ElementwiseOp,
        dtype: DType,
        args: SmallVec<[Arg; 3]>,
        dest: Dest,
        full: bool,
    },
    /// A strided read of operand `input`, full or one element per row.
    Load {
        input: u16,
        shape: Shape,
        strides: SmallVec<[isize; 6]>,
        offset: isize,
        dest: Dest,
        full: bool,
    },
    /// Each row's value of slot `src` repeated along the row.
    Broadcast { src: u16, dest: Dest },
    /// Each row of a full value folded into one value.
    Reduce {
        kind: ReduceKind,
        src: Arg,
        dest: Dest,
    },
}

impl Step {
    fn dest(&self) -> Dest {
        match self {
            Step::Op { dest, .. }
            | Step::Load { dest, .. }
            | Step::Broadcast { dest, .. }
            | Step::Reduce { dest, .. } => *dest,
        }
    }

    /// Whether the step writes a full value (else one element per row).
    fn full(&self) -> bool {
        match self {
            Step::Op { full, .. } | Step::Load { full, .. } => *full,
            Step::Broadcast { .. } => true,
            Step::Reduce { .. } => false,
        }
    }
}

/// A row-fused loop: its operands, body and outputs.
#[derive(Clone, Debug)]
pub(crate) struct RowFused {
    rows: usize,
    cols: usize,
    /// Rows per chunk.
    chunk_rows: usize,
    /// Elements of each operand: a full value, a row value or one broadcast element.
    input_lens: Vec<usize>,
    steps: Vec<Step>,
    /// The dtype of each slot and its index among the thread's scratch chunks of that dtype.
    slots: Vec<(DType, u16)>,
    /// For each output buffer, the slot it is copied from after each chunk (`None`: its step
    /// writes it directly) and whether it is a full value.
    outputs: Vec<(Option<u16>, bool)>,
}

impl RowFused {
    /// Builds the loop for a group from [`find_groups`] (same `kernel` and `alias`);
    /// `outside(v)` says whether anything outside the group reads `v`.
    pub(crate) fn new<'a>(
        j: &Jaxpr,
        members: &[usize],
        kernel: impl Fn(usize) -> Option<&'a Kernel>,
        alias: impl Fn(usize) -> bool,
        outside: impl Fn(Var) -> bool,
    ) -> (RowFused, Wiring) {
        let (rows, cols) = members
            .iter()
            .find_map(|&i| match member(j, i, kernel(i), alias(i)) {
                Member::Reduce { rows, cols, .. } => Some((rows, cols)),
                _ => None,
            })
            .expect("row groups have a reduction");
        let full_len = rows * cols;
        // Aliases inside the group stand for the value they alias.
        let mut rep: HashMap<Var, Var> = HashMap::new();
        let mut wanted: HashMap<Var, bool> = HashMap::new();
        for &i in members {
            let e = &j.eqns[i];
            let out = e.outputs[0];
            let r = match (alias(i), e.inputs.first()) {
                (true, Some(Atom::Var(x))) => rep.get(x).copied().unwrap_or(*x),
                _ => out,
            };
            rep.insert(out, r);
            *wanted.entry(r).or_default() |= outside(out);
        }
        let computing: Vec<usize> = members.iter().copied().filter(|&i| !alias(i)).collect();
        // Chains of members that run as one formula: `ends[k]` is the member whose step
        // computes member `k`'s value. A value an alias reads is not a chain's inner value.
        let aliased: Vec<Var> = members
            .iter()
            .filter(|&&i| alias(i))
            .filter_map(|&i| match j.eqns[i].inputs.first() {
                Some(Atom::Var(v)) => Some(*v),
                _ => None,
            })
            .collect();
        let chains = composite::Chains::find(
            j,
            &computing,
            |k| kernel(computing[k]),
            |v| wanted.get(&v) == Some(&true) || aliased.contains(&v),
        );
        let ends = chains.ends();
        // The last step that reads each value the group makes.
        let mut last_reader: HashMap<Var, usize> = HashMap::new();
        for (k, &i) in computing.iter().enumerate() {
            for a in &j.eqns[i].inputs {
                if let Atom::Var(v) = a
                    && let Some(r) = rep.get(v)
                {
                    last_reader.insert(*r, ends[k]);
                }
            }
        }
        // Broadcasts of per-row values that only elementwise steps read, and nothing outside:
        // those steps read the per-row slot directly.
        let read_directly: Vec<Var> = computing
            .iter()
            .filter_map(|&i| {
                let e = &j.eqns[i];
                let out = e.outputs[0];
                let of_row = matches!(&e.inputs[0], Atom::Var(x) if rep.contains_key(x));
                let readers_elementwise = computing.iter().all(|&m| {
                    let reads = j.eqns[m]
                        .inputs
                        .iter()
                        .any(|a| matches!(a, Atom::Var(v) if rep.get(v) == Some(&out)));
                    !reads || matches!(member(j, m, kernel(m), false), Member::Elementwise(..))
                });
                let load = matches!(member(j, i, kernel(i), false), Member::Load(..));
                (load && of_row && cols >= ROW_READ_MIN && !wanted[&out] && readers_elementwise)
                    .then_some(out)
            })
            .collect();
        let mut rows_of: HashMap<Var, u16> = HashMap::new();
        let mut wiring = Wiring {
            inputs: Vec::new(),
            outputs: Vec::new(),
        };
        let mut input_lens = Vec::new();
        let mut slot_of: HashMap<Var, u16> = HashMap::new();
        let mut slots: Vec<(DType, u16)> = Vec::new();
        let mut busy_until: Vec<usize> = Vec::new();
        let mut outputs = Vec::new();
        let mut steps = Vec::new();
        for (k, &i) in computing.iter().enumerate() {
            if ends[k] != k {
                // Inside a chain: computed by the chain's formula at its last member.
                continue;
            }
            let e = &j.eqns[i];
            let out = e.outputs[0];
            if read_directly.contains(&out) {
                let Atom::Var(x) = &e.inputs[0] else {
                    unreachable!("read_directly holds broadcasts of the group's values")
                };
                let src = slot_of[&rep[x]];
                // The per-row slot lives until the broadcast's last reader has run.
                let needed = last_reader.get(&out).copied().unwrap_or(k);
                busy_until[src as usize] = busy_until[src as usize].max(needed);
                rows_of.insert(out, src);
                continue;
            }
            let aval = &j.avals[out as usize];
            let full = aval.size() == full_len;
            let is_output = wanted[&out];
            let read_later = last_reader.contains_key(&out);
            let dest = if is_output && !read_later {
                outputs.push((None, full));
                Dest::Output(outputs.len() as u16 - 1)
            } else {
                // A slot of the output's dtype whose value is no longer needed, or a new one.
                // A step's operands are needed until it ran, so it never writes what it reads.
                let needed = if is_output {
                    usize::MAX
                } else {
                    last_reader.get(&out).copied().unwrap_or(k)
                };
                let free =
                    (0..slots.len()).find(|&s| slots[s].0 == aval.dtype && busy_until[s] < k);
                let s = free.unwrap_or_else(|| {
                    let index = slots.iter().filter(|(d, _)| *d == aval.dtype).count() as u16;
                    slots.push((aval.dtype, index));
                    busy_until.push(0);
                    slots.len() - 1
                });
                busy_until[s] = needed;
                slot_of.insert(out, s as u16);
                if is_output {
                    outputs.push((Some(s as u16), full));
                }
                Dest::Slot(s as u16)
            };
            if is_output {
                wiring.outputs.push(out);
            }
            let mut arg = |a: &Atom| -> Arg {
                if let Atom::Var(v) = a {
                    if let Some(&s) = rep.get(v).and_then(|r| rows_of.get(r)) {
                        return Arg::Rows(s);
                    }
                    if let Some(&s) = rep.get(v).and_then(|r| slot_of.get(r)) {
                        return Arg::Slot(s, j.avals[*v as usize].size() == full_len);
                    }
                    // An operand read twice is one input.
                    let same = |w: &Atom| matches!(w, Atom::Var(u) if u == v);
                    if let Some(p) = wiring.inputs.iter().position(same) {
                        return Arg::Input(p as u16);
                    }
                }
                wiring.inputs.push(a.clone());
                input_lens.push(j.atom_aval(a).size());
                Arg::Input(wiring.inputs.len() as u16 - 1)
            };
            // A chain's last member runs the chain's formula on the chain's inputs.
            let chain = chains.at_last(k);
            steps.push(match member(j, i, kernel(i), false) {
                Member::Elementwise(op, dtype) => {
                    let (op, operands) = match chain {
                        Some(c) => (ElementwiseOp::Composite(c.op), &c.inputs[..]),
                        None => (op, &e.inputs[..]),
                    };
                    Step::Op {
                        op,
                        dtype,
                        args: operands.iter().map(&mut arg).collect(),
                        dest,
                        full,
                    }
                }
                Member::Reduce { kind, .. } => Step::Reduce {
                    kind,
                    src: arg(&e.inputs[0]),
                    dest,
                },
                Member::Load(shape, strides, offset) => match arg(&e.inputs[0]) {
                    Arg::Slot(src, _) => Step::Broadcast { src, dest },
                    Arg::Rows(_) => unreachable!("find_groups() loads no full value of the group"),
                    Arg::Input(input) => Step::Load {
                        input,
                        shape: shape.clone(),
                        strides: strides.iter().copied().collect(),
                        offset,
                        dest,
                        full,
                    },
                },
                Member::Alias | Member::Other => {
                    unreachable!("find_groups() groups no such equation")
                }
            });
        }
        let fused = RowFused {
            rows,
            cols,
            chunk_rows: (CHUNK / cols).max(1),
            input_lens,
            steps,
            slots,
            outputs,
        };
        (fused, wiring)
    }

    /// Runs the loop: `ins` are the operands' buffers in wiring order, `outs` the output
    /// buffers.
    pub(crate) fn run(&self, ins: &[&Storage], outs: &mut [&mut Storage]) {
        let srcs: SmallVec<[Src<'_>; 8]> = ins.iter().map(|s| Src::of(s)).collect();
        let dsts: SmallVec<[Dst<'_>; 4]> = outs.iter_mut().map(|s| Dst::of(s)).collect();
        let threads = if self.rows * self.cols < PARALLEL_ELEMENTS {
            1
        } else {
            rayon::current_num_threads()
        };
        if threads < 2 || self.rows <= self.chunk_rows {
            self.run_rows(&srcs, 0, self.rows, dsts);
            return;
        }
        // Whole chunks per task, two tasks per thread to even out load.
        let per = self.rows.div_ceil(2 * threads).div_ceil(self.chunk_rows) * self.chunk_rows;
        let mut parts: Vec<(usize, SmallVec<[Dst<'_>; 4]>)> = (0..self.rows.div_ceil(per))
            .map(|c| (c * per, SmallVec::new()))
            .collect();
        for (d, &(_, full)) in dsts.into_iter().zip(&self.outputs) {
            let piece = if full { per * self.cols } else { per };
            for (part, p) in parts.iter_mut().zip(split(d, piece)) {
                part.1.push(p);
            }
        }
        parts.into_par_iter().for_each(|(start, dsts)| {
            let end = (start + per).min(self.rows);
            self.run_rows(&srcs, start, end, dsts)
        });
    }

    /// Runs rows `start..end`; `dsts` are the outputs' elements from row `start` on.
    fn run_rows(
        &self,
        srcs: &[Src<'_>],
        start: usize,
        end: usize,
        mut dsts: SmallVec<[Dst<'_>; 4]>,
    ) {
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            scratch.reserve(&self.slots, self.chunk_rows * self.cols);
            let mut r = start;
            while r < end {
                let k = self.chunk_rows.min(end - r);
                let chunk = Chunk {
                    row: r,
                    at: r - start,
                    rows: k,
                };
                for step in &self.steps {
                    self.step(step, srcs, &mut scratch, &mut dsts, chunk);
                }
                for (d, &(s, full)) in dsts.iter_mut().zip(&self.outputs) {
                    if let Some(s) = s {
                        let (at, n) = chunk.out_window(full, self.cols);
                        scratch.copy_out(self.slots[s as usize], n, d, at);
                    }
                }
                r += k;
            }
        })
    }

    /// The elements of operand `i` in a chunk: its rows' elements or one per row, or the whole
    /// operand if it is a broadcast single element.
    fn input<'a>(&self, srcs: &[Src<'a>], i: u16, c: Chunk) -> Src<'a> {
        let len = self.input_lens[i as usize];
        let (start, n) = if len == self.rows * self.cols {
            (c.row * self.cols, c.rows * self.cols)
        } else if len == self.rows {
            (c.row, c.rows)
        } else {
            (0, len)
        };
        srcs[i as usize].window(start, n)
    }

    /// Runs one step on a chunk.
    fn step(
        &self,
        step: &Step,
        srcs: &[Src<'_>],
        scratch: &mut Scratch,
        dsts: &mut [Dst<'_>],
        c: Chunk,
    ) {
        let cols = self.cols;
        let len = |full: bool| if full { c.rows * cols } else { c.rows };
        let n = len(step.full());
        // The chunk to write: a scratch slot taken out of the pool (and put back after), or
        // the output's window.
        let mut taken = match step.dest() {
            Dest::Slot(s) => {
                let (d, idx) = self.slots[s as usize];
                Some((scratch.take(d, idx), idx))
            }
            Dest::Output(_) => None,
        };
        let out = match (&mut taken, step.dest()) {
            (Some((block, _)), _) => block.dst(n),
            (None, Dest::Output(o)) => {
                let (at, n) = c.out_window(step.full(), cols);
                dsts[o as usize].window(at, n)
            }
            (None, Dest::Slot(_)) => unreachable!("slots are taken above"),
        };
        let arg = |a: &Arg| match *a {
            Arg::Input(i) => self.input(srcs, i, c),
            Arg::Slot(s, full) => {
                let (d, idx) = self.slots[s as usize];
                scratch.src(d, idx, len(full))
            }
            Arg::Rows(s) => {
                let (d, idx) = self.slots[s as usize];
                scratch.src(d, idx, c.rows)
            }
        };
        match step {
            Step::Op {
                op, dtype, args, ..
            } => {
                // A plain loop, as in plain fusion's steps (an iterator's `collect` returned
                // each operand through memory).
                let mut a: SmallVec<[Src<'_>; 3]> = SmallVec::new();
                for x in args {
                    a.push(arg(x));
                }
                if args.iter().any(|a| matches!(a, Arg::Rows(_))) {
                    // Row by row, each broadcast per-row value a single element: the same
                    // per-element formula on the same operands as over the whole chunk.
                    // One operand list, updated in place per row: this loop runs once per
                    // row, so it must not build a collection each time.
                    let mut out = out;
                    let mut row = a.clone();
                    for r in 0..c.rows {
                        for ((slot, arg), s) in row.iter_mut().zip(args.iter()).zip(&a) {
                            *slot = match arg {
                                Arg::Rows(_) => s.window(r, 1),
                                _ if src_len(*s) == n => s.window(r * cols, cols),
                                _ => *s,
                            };
                        }
                        kernels::elementwise(*op, *dtype, &row, out.window(r * cols, cols));
                    }
                } else {
                    kernels::elementwise(*op, *dtype, &a, out);
                }
            }
            Step::Reduce { kind, src, .. } => match (arg(src), out) {
                (Src::F32(x), Dst::F32(o)) => fold_rows(*kind, x, cols, o),
                (Src::F64(x), Dst::F64(o)) => fold_rows(*kind, x, cols, o),
                _ => unreachable!("find_groups() row-fuses f32/f64 reductions only"),
            },
            Step::Broadcast { src, .. } => {
                let (d, idx) = self.slots[*src as usize];
                match (scratch.src(d, idx, c.rows), out) {
                    (Src::F32(x), Dst::F32(o)) => fill_rows(x, cols, o),
                    (Src::F64(x), Dst::F64(o)) => fill_rows(x, cols, o),
                    (Src::I32(x), Dst::I32(o)) => fill_rows(x, cols, o),
                    (Src::Bool(x), Dst::Bool(o)) => fill_rows(x, cols, o),
                    _ => unreachable!("a broadcast keeps its operand's dtype"),
                }
            }
            Step::Load {
                input,
                shape,
                strides,
                offset,
                full,
                ..
            } => {
                let start = if *full { c.row * cols } else { c.row };
                match (srcs[*input as usize], out) {
                    (Src::F32(x), Dst::F32(o)) => {
                        strided_copy_range_into(x, shape, strides, *offset, start, o)
                    }
                    (Src::F64(x), Dst::F64(o)) => {
                        strided_copy_range_into(x, shape, strides, *offset, start, o)
                    }
                    (Src::I32(x), Dst::I32(o)) => {
                        strided_copy_range_into(x, shape, strides, *offset, start, o)
                    }
                    (Src::Bool(x), Dst::Bool(o)) => {
                        strided_copy_range_into(x, shape, strides, *offset, start, o)
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

/// A chunk of rows: the first row, its index among the rows the task's outputs start at, and
/// how many rows.
#[derive(Clone, Copy)]
struct Chunk {
    row: usize,
    at: usize,
    rows: usize,
}

impl Chunk {
    /// Where the chunk is in a task's output piece, and how many elements.
    fn out_window(self, full: bool, cols: usize) -> (usize, usize) {
        if full {
            (self.at * cols, self.rows * cols)
        } else {
            (self.at, self.rows)
        }
    }
}

/// Folds each row of `x` into `out` as the standalone row reduction does: `ReduceOp::eval`'s
/// initial values and folds through the same row reductions (a chunk is below its
/// parallel threshold, so it folds the rows one by one in the same SIMD dispatch).
fn fold_rows<T: OrderKey + Send + Sync>(kind: ReduceKind, x: &[T], cols: usize, out: &mut [T]) {
    let rows = out.len();
    match kind {
        ReduceKind::Sum => reduce_rows_into(
            x,
            rows,
            cols,
            T::zero(),
            |a, b| a + b,
            |a, b| a + b,
            |a| a,
            out,
        ),
        ReduceKind::Max => {
            reduce_rows_folded_into(x, rows, cols, &MaxKeys::new(), T::from_fold, out)
        }
        ReduceKind::Min => {
            reduce_rows_folded_into(x, rows, cols, &MinKeys::new(), T::from_fold, out)
        }
        other => unreachable!("find_groups() row-fuses no {other:?}"),
    }
}

/// Repeats each value of `x` along a row of `cols` elements of `out`.
fn fill_rows<T: Copy>(x: &[T], cols: usize, out: &mut [T]) {
    for (o, &v) in out.chunks_exact_mut(cols).zip(x) {
        o.fill(v);
    }
}

/// The number of elements of an operand.
fn src_len(s: Src<'_>) -> usize {
    match s {
        Src::F32(v) => v.len(),
        Src::F64(v) => v.len(),
        Src::I32(v) => v.len(),
        Src::Bool(v) => v.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::plan::{Instr, Plan};
    use super::super::Executable;
    use crate::compiler::optimize::optimize;
    use crate::transforms::make_jaxpr;
    use crate::{nn, numpy as jnp, Array};

    /// Deterministic values of both signs and a wide range, with `specials` written at the
    /// given flat indices.
    fn data(shape: &[usize], specials: &[(usize, f32)]) -> Array {
        let n: usize = shape.iter().product();
        let mut v: Vec<f32> = (0..n)
            .map(|i| {
                let h = (i as u32).wrapping_mul(2_654_435_761) >> 8;
                (h as f32 / (1u32 << 24) as f32 - 0.5) * 40.0
            })
            .collect();
        for &(i, x) in specials {
            v[i] = x;
        }
        Array::from_vec(v, shape.to_vec())
    }

    fn bits(x: &Array) -> Vec<u32> {
        x.to_vec::<f32>().iter().map(|v| v.to_bits()).collect()
    }

    /// Compiles `f`, checks that the jitted results equal the eager ones bit for bit, and
    /// returns the plan's instructions: (row-fused loops, all).
    fn check(f: impl Fn(&Array) -> Vec<Array>, x: &Array) -> (usize, usize) {
        let program = make_jaxpr(&f)(x);
        let exe = Executable::compile(&program);
        let want = f(x);
        // Twice: the second run reuses the buffers and scratch of the first.
        for _ in 0..2 {
            let got = exe.run(&[x]);
            assert_eq!(got.len(), want.len());
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                assert_eq!(g.shape(), w.shape(), "output {k}");
                assert_eq!(bits(g), bits(w), "output {k} of {:?}", x.shape());
            }
        }
        let plan = Plan::new(&optimize(&program));
        let rows = plan
            .instrs
            .iter()
            .filter(|i| matches!(i, Instr::RowFused { .. }))
            .count();
        (rows, plan.instrs.len())
    }

    fn softmax(x: &Array) -> Vec<Array> {
        vec![nn::softmax(x, -1)]
    }

    fn log_softmax(x: &Array) -> Vec<Array> {
        vec![nn::log_softmax(x, -1)]
    }

    #[test]
    fn softmax_and_log_softmax_are_one_row_fused_loop_with_the_eager_bits() {
        for shape in [[1000, 1000], [7, 13], [300, 8], [64, 129]] {
            let x = data(&shape, &[]);
            assert_eq!(check(softmax, &x), (1, 1), "softmax {shape:?}");
            assert_eq!(check(log_softmax, &x), (1, 1), "log_softmax {shape:?}");
        }
    }

    #[test]
    fn softmax_exponentials_run_as_one_formula_with_the_bits_of_its_operations() {
        use super::super::composite::{assert_same_bits_but_nans, Composite};
        use super::super::kernels::ElementwiseOp;
        // Softmax an operation at a time (`nn::softmax` on a large array runs compiled).
        let by_hand = |x: &Array| {
            let e = jnp::exp(&(x - &jnp::max_keepdims(x, -1)));
            &e / &jnp::sum_keepdims(&e, -1)
        };
        for shape in [[1000, 1000], [64, 129], [300, 8]] {
            let x = data(&shape, &[(5, f32::INFINITY), (700, f32::NAN)]);
            let program = make_jaxpr(|x: &Array| nn::softmax(x, -1))(&x);
            let got = Executable::compile(&program).run(&[&x]);
            let wide = |a: &Array| a.astype(crate::DType::F64).to_vec::<f64>();
            let what = format!("{shape:?}");
            assert_same_bits_but_nans(&wide(&got[0]), &wide(&by_hand(&x)), &what);
            let plan = Plan::new(&optimize(&program));
            let formulas: Vec<ElementwiseOp> = plan
                .instrs
                .iter()
                .filter_map(|i| match i {
                    Instr::RowFused { kernel, .. } => Some(kernel),
                    _ => None,
                })
                .flat_map(|k| &k.steps)
                .filter_map(|s| match s {
                    super::Step::Op { op, .. } => Some(*op),
                    _ => None,
                })
                .filter(|op| matches!(op, ElementwiseOp::Composite(_)))
                .collect();
            let exp_of_difference = ElementwiseOp::Composite(Composite::ExpOfDifference);
            assert_eq!(formulas, [exp_of_difference], "{shape:?}");
        }
    }

    #[test]
    fn infinite_and_nan_rows_agree_with_eager() {
        let c = 37;
        let x = data(
            &[6, c],
            &[
                // Row 0 all -inf (NaN results), row 1 one +inf, row 2 a NaN, row 3 -inf and
                // finite values.
                (0, f32::NEG_INFINITY),
                (c + 4, f32::INFINITY),
                (2 * c + 9, f32::NAN),
                (3 * c + 1, f32::NEG_INFINITY),
            ],
        );
        let mut v = x.to_vec::<f32>();
        v[..c].fill(f32::NEG_INFINITY);
        let x = Array::from_vec(v, vec![6, c]);
        assert_eq!(check(softmax, &x), (1, 1));
        assert_eq!(check(log_softmax, &x), (1, 1));
    }

    #[test]
    fn rows_of_one_element_and_rows_longer_than_a_chunk() {
        let x = data(&[500, 1], &[]);
        assert_eq!(check(softmax, &x).0, 1);
        assert_eq!(check(log_softmax, &x).0, 1);
        // One row per chunk, across threads.
        let x = data(&[24, 5003], &[]);
        assert_eq!(check(softmax, &x), (1, 1));
        assert_eq!(check(log_softmax, &x), (1, 1));
    }

    #[test]
    fn three_dimensional_inputs_reduce_the_last_two_axes() {
        let x = data(&[40, 9, 11], &[]);
        // Both share the row maxima (one equation after optimisation): one loop.
        let f = |x: &Array| vec![nn::softmax(x, [-2, -1]), nn::log_softmax(x, [1, 2])];
        assert_eq!(check(f, &x), (1, 1));
        // Over the last axis only: rows of 11.
        let f = |x: &Array| vec![nn::softmax(x, -1)];
        assert_eq!(check(f, &x), (1, 1));
    }

    #[test]
    fn reductions_over_leading_or_middle_axes_are_not_row_fused() {
        let x = data(&[40, 9, 11], &[]);
        for axes in [0, 1] {
            let f = |x: &Array| vec![nn::softmax(x, axes), nn::log_softmax(x, axes)];
            assert_eq!(check(f, &x).0, 0, "axis {axes}");
        }
        let f = |x: &Array| vec![nn::softmax(x, [0, 2])];
        assert_eq!(check(f, &x).0, 0);
    }

    #[test]
    fn a_reduction_read_outside_the_loop_is_written_to_its_buffer() {
        let x = data(&[300, 70], &[]);
        // The row maxima and sums are outputs too, one kept as [rows, 1], and a later
        // equation reads the softmax.
        let f = |x: &Array| {
            let m = x.max(-1);
            let e = (x - &m.reshape([300, 1])).exp();
            let s = jnp::sum_keepdims(&e, -1);
            let y = &e / &s;
            vec![y.sum(None), m, s, y]
        };
        assert_eq!(check(f, &x).0, 1);
    }

    #[test]
    fn broadcast_operands_and_elementwise_work_before_the_reduction_join_the_loop() {
        let x = data(&[200, 48], &[]);
        let b = data(&[48], &[]);
        // A bias broadcast along the rows and a scale before the softmax; a per-row statistic
        // computed on the row values after.
        let f = |x: &Array| {
            let z = (x * 0.5) + &b;
            let y = nn::softmax(&z, -1);
            let lse = jnp::log(&jnp::sum_keepdims(&z.exp(), -1));
            vec![y, lse.tanh() * 3.0]
        };
        assert_eq!(check(f, &x), (1, 1));
    }

    #[test]
    fn the_row_broadcast_pattern_is_recognised_exactly() {
        use super::is_row_broadcast;
        assert!(is_row_broadcast(&[4, 6], &[1, 0], 0, 6));
        assert!(is_row_broadcast(&[4, 6, 5], &[1, 0, 0], 0, 30));
        assert!(is_row_broadcast(&[2, 3, 5], &[3, 1, 0], 0, 5));
        assert!(is_row_broadcast(&[4, 1, 6], &[1, 0, 0], 0, 6));
        // A column broadcast, a transposed row index, the wrong row length.
        assert!(!is_row_broadcast(&[4, 6], &[0, 1], 0, 6));
        assert!(!is_row_broadcast(&[2, 3, 5], &[1, 2, 0], 0, 5));
        assert!(!is_row_broadcast(&[4, 6], &[1, 0], 0, 3));
    }
}
