//! The CPU executable a jit-compiled program runs as.
//!
//! Compiling optimises the staged program ([`super::optimize::optimize`]) and turns it into a
//! flat list of instructions over *locations*: the arguments, the constants, literals,
//! *registers* (arrays made by eager primitives) and *buffers* (planned, reused storage).
//! Hot primitives become `kernels::Kernel`s writing into a planned buffer; reshapes and
//! other reinterpretations become aliases (no instruction at all); everything else calls the
//! primitive's eager implementation.
//!
//! The buffer plan comes from liveness: a buffer whose value's last reader has run goes back
//! to a free list and is reused by a later value of the same dtype and length. Buffers live
//! in the executable between calls (behind a mutex), so in steady state a call allocates only
//! buffers for its outputs, and not even those when the caller has dropped the previous call's
//! outputs. Inputs and constants are never written.
//!
//! Control-flow equations (`scan`, `while`, `cond`) hold their sub-programs compiled the same
//! way and run them per iteration (`control_flow`); carries of a scan that only accumulate
//! outer products are summed after its loop instead (`scan_accumulation`).

mod composite;
mod control_flow;
mod float_body;
mod fusion;
mod kernels;
mod plan;
mod row_fusion;
mod scan_accumulation;
mod scratch;

use crate::array::{Array, ShapeDtype, Storage};
use crate::jaxpr::{check_arg, ClosedJaxpr};
use crate::prims::eval_primitive;
use plan::{Instr, Loc, Plan};
use smallvec::SmallVec;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};

/// A compiled program: the optimised jaxpr as instructions with a buffer plan, plus the
/// original program to replay under transformations.
pub struct Executable {
    program: ClosedJaxpr,
    plan: Plan,
    state: Mutex<State>,
}

/// What a run reads and writes besides its arguments.
#[derive(Default)]
struct State {
    /// Planned buffers, kept between runs. A buffer shared with a live array (an output the
    /// caller still holds) is replaced by a fresh one before it is written.
    bufs: Vec<Option<Arc<Storage>>>,
    /// For each buffer, the previous one it replaced because the caller still held it (an
    /// output). A training loop keeps each call's outputs only until the next call returns,
    /// so by the call after that the caller has let go and the spare is reused: outputs
    /// alternate between two buffers instead of being allocated (and zeroed) every call.
    spare: Vec<Option<Arc<Storage>>>,
    /// Arrays made by eager primitives, dropped after their last reader.
    regs: Vec<Option<Array>>,
    /// During a run, the buffers of donated arguments (indexed like the arguments; `None`
    /// where not donated, or once handed to an output).
    donated: Vec<Option<Arc<Storage>>>,
    /// During a run, the planned buffers that took over a donated buffer, with the buffer
    /// they held before: restored after the run, so the executable keeps no reference to a
    /// donated buffer (the caller gets it back as an output and can donate it again).
    handed: Vec<(u32, Option<Arc<Storage>>)>,
}

impl Executable {
    /// Compiles a staged program for the CPU.
    pub fn compile(program: &ClosedJaxpr) -> Executable {
        Executable::from_optimized(program, &crate::compiler::optimize::optimize(program))
    }

    /// [`compile`](Executable::compile) for a caller that already holds `optimized`, the
    /// result of `optimize(program)`: a scan's compilation optimises its body first to look
    /// for accumulating carries, and need not optimise it again when there are none.
    pub(crate) fn from_optimized(program: &ClosedJaxpr, optimized: &ClosedJaxpr) -> Executable {
        let plan = Plan::new(optimized);
        Executable {
            program: program.clone(),
            state: Mutex::new(State::new(&plan)),
            plan,
        }
    }

    /// The program the executable runs (after optimisation), for inspection.
    pub fn optimized(&self) -> &ClosedJaxpr {
        &self.plan.program
    }

    /// How many buffers the plan uses, and how many of them hold outputs.
    pub fn buffer_counts(&self) -> (usize, usize) {
        (
            self.plan.bufs.len(),
            self.plan.bufs.iter().filter(|b| b.escapes).count(),
        )
    }

    /// Runs the program. Under a transformation (any argument or constant a tracer, or a
    /// transformation active) the original program is replayed primitive by primitive on it
    /// instead.
    pub fn run(&self, args: &[&Array]) -> Vec<Array> {
        if self.replays(args) {
            return self.program.call(args);
        }
        self.check_args(args);
        self.dispatch(args, Vec::new())
    }

    /// Runs the program with its first `donated` arguments *donated*: the caller gives them
    /// up, and a buffer of theirs that nothing else shares may be overwritten with an output
    /// of the same size and dtype once the program has read it for the last time (JAX's
    /// `donate_argnums`). A training step that returns updated parameters then writes them
    /// over the old ones instead of into new memory. The results are the same as [`run`]'s.
    ///
    /// Only operands of fused elementwise loops are overwritten (parameter updates are such
    /// loops); a donated buffer that is shared or that no suitable output follows is left
    /// alone.
    ///
    /// [`run`]: Executable::run
    pub fn run_donating(&self, mut args: Vec<Array>, donated: usize) -> Vec<Array> {
        let refs: Vec<&Array> = args.iter().collect();
        if self.replays(&refs) {
            return self.program.call(&refs);
        }
        self.check_args(&refs);
        drop(refs);
        let mut given: Vec<Option<Arc<Storage>>> = vec![None; args.len()];
        // `debug_nans` may run the program again on its arguments: keep them intact.
        let donated = if crate::float_checks::enabled() {
            0
        } else {
            donated
        };
        for (a, g) in args.iter_mut().zip(&mut given).take(donated) {
            if !a.is_filtered_out() && unshared(a.shared_storage()) {
                let placeholder = Array::filtered_out(a.aval().clone());
                *g = std::mem::replace(a, placeholder).into_shared_storage();
            }
        }
        let refs: Vec<&Array> = args.iter().collect();
        self.dispatch(&refs, given)
    }

    /// Whether the program must be replayed on a transformation instead of run.
    fn replays(&self, args: &[&Array]) -> bool {
        crate::trace::current().is_some()
            || args.iter().any(|a| a.is_tracer())
            || self.program.consts.iter().any(Array::is_tracer)
    }

    fn check_args(&self, args: &[&Array]) {
        let j = &self.plan.program.jaxpr;
        assert_eq!(
            args.len(),
            j.invars.len(),
            "calling a compiled program: {} arguments given for {} inputs",
            args.len(),
            j.invars.len()
        );
        for (v, x) in j.invars.iter().zip(args) {
            check_arg(&j.avals[*v as usize], x);
        }
    }

    /// Gives back the working buffers kept between runs (the next run allocates them again).
    /// A run in progress on another thread keeps its own; this one then releases nothing.
    pub fn release_buffers(&self) {
        match self.state.try_lock() {
            Ok(mut st) => *st = State::new(&self.plan),
            Err(TryLockError::Poisoned(poisoned)) => {
                *poisoned.into_inner() = State::new(&self.plan);
                self.state.clear_poison();
            }
            Err(TryLockError::WouldBlock) => {}
        }
        self.sub_programs().for_each(Executable::release_buffers);
    }

    /// Whether the program keeps any working buffer between runs (see
    /// [`release_buffers`](Executable::release_buffers)).
    pub fn holds_buffers(&self) -> bool {
        let held = {
            let st = self.kept_state();
            st.bufs.iter().chain(&st.spare).any(Option::is_some)
        };
        held || self.sub_programs().any(Executable::holds_buffers)
    }

    /// The compiled sub-programs of control-flow instructions (not their own sub-programs).
    fn sub_programs(&self) -> impl Iterator<Item = &Executable> {
        self.plan.instrs.iter().flat_map(|i| match i {
            Instr::Control { op, .. } => op.executables(),
            _ => Vec::new(),
        })
    }

    /// Runs `f` on the buffers kept between runs, or on fresh ones while another thread is
    /// running this program (a second caller never waits).
    ///
    /// A run that panicked (a failed `error_if`, say) poisons the lock and may have left the
    /// kept state half written: the next run starts that state afresh and clears the poison,
    /// so the program goes back to reusing its buffers.
    fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        match self.state.try_lock() {
            Ok(mut st) => f(&mut st),
            Err(TryLockError::Poisoned(poisoned)) => {
                let mut st = poisoned.into_inner();
                *st = State::new(&self.plan);
                self.state.clear_poison();
                f(&mut st)
            }
            Err(TryLockError::WouldBlock) => f(&mut State::new(&self.plan)),
        }
    }

    /// The kept state for inspection, whether or not a panicking run poisoned it.
    fn kept_state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs the checked arguments on this thread's or a rayon worker's stack.
    fn dispatch(&self, args: &[&Array], donated: Vec<Option<Arc<Storage>>>) -> Vec<Array> {
        let outs = self.dispatch_unchecked(args, donated);
        if crate::float_checks::enabled() {
            crate::float_checks::check_compiled(&self.plan.program, args, &outs);
        }
        outs
    }

    /// [`dispatch`](Executable::dispatch) without the `debug_nans`/`debug_infs` check.
    fn dispatch_unchecked(
        &self,
        args: &[&Array],
        donated: Vec<Option<Arc<Storage>>>,
    ) -> Vec<Array> {
        let run = || {
            // On the thread that runs it: a large program moves to a rayon worker.
            let _flushing = crate::backend::cpu::subnormals::FlushGuard::enter();
            self.with_state(|st| {
                st.donated = donated;
                self.execute(st, args)
            })
        };
        // A large program runs on one of rayon's workers rather than the calling thread: its
        // parallel kernels then share the pool's threads instead of adding a third runnable
        // thread that competes with workers still spinning after the last parallel kernel
        // (on two cores that halves the speed of every serial step). `rayon::scope` runs its
        // body on a worker when called from outside the pool. Small programs stay put: the
        // hand-off costs a few microseconds. A program with a collective stays too: a member
        // of a process group waiting in a collective must not hold one of the pool's workers
        // (the other members may need them to get there). The process axes bound here travel
        // with the hand-off, for collectives hidden in higher-order primitives.
        if self.plan.large && !self.plan.collective && rayon::current_thread_index().is_none() {
            let bound = crate::distributed::bindings();
            rayon::scope(|_| crate::distributed::with_bindings(bound, run))
        } else {
            run()
        }
    }

    fn execute(&self, st: &mut State, args: &[&Array]) -> Vec<Array> {
        let plan = &self.plan;
        let consts = &plan.program.consts;
        for instr in &plan.instrs {
            match instr {
                Instr::Kernel {
                    kernel,
                    ins,
                    out,
                    release,
                } => {
                    let mut buf = take_buffer(st, plan, *out);
                    {
                        let srcs: SmallVec<[&Storage; 3]> = ins
                            .iter()
                            .map(|l| storage(st, l, args, consts, &plan.literals))
                            .collect();
                        let dst = Arc::get_mut(&mut buf).expect("the output buffer is unshared");
                        kernel.run(&srcs, dst);
                    }
                    st.bufs[*out as usize] = Some(buf);
                    for r in release {
                        st.regs[*r as usize] = None;
                    }
                }
                Instr::Fused {
                    kernel,
                    ins,
                    outs,
                    release,
                } => {
                    // An output aliased to a donated argument no one else holds takes over the
                    // argument's buffer (the argument is not read after this instruction).
                    let donated = take_donated(st, kernel, ins);
                    let handed = |input: bool, k: usize| {
                        kernel.aliases.iter().zip(&donated).any(|(a, d)| {
                            *d && k == if input { a.input } else { a.output } as usize
                        })
                    };
                    let mut bufs: SmallVec<[Arc<Storage>; 2]> = SmallVec::new();
                    for (k, &o) in outs.iter().enumerate() {
                        let alias = kernel
                            .aliases
                            .iter()
                            .zip(&donated)
                            .find(|(a, d)| **d && a.output as usize == k);
                        bufs.push(match alias {
                            Some((a, _)) => {
                                let Loc::Arg(j) = ins[a.input as usize] else {
                                    unreachable!("take_donated() hands over arguments only")
                                };
                                st.donated[j as usize].take().expect("handed over once")
                            }
                            None => take_buffer(st, plan, o),
                        });
                    }
                    {
                        // A handed-over operand is read from its output's buffer instead.
                        let empty = Storage::zeros(crate::DType::F32, 0);
                        let srcs: SmallVec<[&Storage; 8]> = ins
                            .iter()
                            .enumerate()
                            .map(|(i, l)| {
                                if handed(true, i) {
                                    &empty
                                } else {
                                    storage(st, l, args, consts, &plan.literals)
                                }
                            })
                            .collect();
                        let mut dsts: SmallVec<[&mut Storage; 2]> = bufs
                            .iter_mut()
                            .map(|b| Arc::get_mut(b).expect("the output buffer is unshared"))
                            .collect();
                        kernel.run(&srcs, &mut dsts, &donated);
                    }
                    for (k, (&o, b)) in outs.iter().zip(bufs).enumerate() {
                        let previous = st.bufs[o as usize].replace(b);
                        if handed(false, k) {
                            st.handed.push((o, previous));
                        }
                    }
                    for r in release {
                        st.regs[*r as usize] = None;
                    }
                }
                Instr::RowFused {
                    kernel,
                    ins,
                    outs,
                    release,
                } => {
                    let mut bufs: SmallVec<[Arc<Storage>; 2]> =
                        outs.iter().map(|&o| take_buffer(st, plan, o)).collect();
                    {
                        let srcs: SmallVec<[&Storage; 8]> = ins
                            .iter()
                            .map(|l| storage(st, l, args, consts, &plan.literals))
                            .collect();
                        let mut dsts: SmallVec<[&mut Storage; 2]> = bufs
                            .iter_mut()
                            .map(|b| Arc::get_mut(b).expect("the output buffer is unshared"))
                            .collect();
                        kernel.run(&srcs, &mut dsts);
                    }
                    for (&o, b) in outs.iter().zip(bufs) {
                        st.bufs[o as usize] = Some(b);
                    }
                    for r in release {
                        st.regs[*r as usize] = None;
                    }
                }
                Instr::Eval {
                    prim,
                    ins,
                    outs,
                    release,
                } => {
                    let results = {
                        let arrays = operands(st, ins, args, consts, &plan.literals);
                        let refs: SmallVec<[&Array; 4]> = arrays.iter().collect();
                        eval_primitive(prim, &refs)
                    };
                    write_registers(st, outs, results, release);
                }
                Instr::Control {
                    op,
                    ins,
                    outs,
                    release,
                } => {
                    let results = {
                        let arrays = operands(st, ins, args, consts, &plan.literals);
                        let refs: SmallVec<[&Array; 4]> = arrays.iter().collect();
                        op.run(&refs)
                    };
                    write_registers(st, outs, results, release);
                }
            }
        }
        let outs = plan
            .outputs
            .iter()
            .map(|(l, aval)| {
                Array::from_shared(
                    shared(st, l, args, consts, &plan.literals).clone(),
                    aval.clone(),
                )
            })
            .collect();
        st.regs.iter_mut().for_each(|r| *r = None);
        st.donated.clear();
        for (o, previous) in st.handed.drain(..).rev() {
            st.bufs[o as usize] = previous;
        }
        outs
    }
}

impl State {
    /// No buffers yet: the first run allocates them.
    fn new(plan: &Plan) -> State {
        State {
            bufs: vec![None; plan.bufs.len()],
            spare: vec![None; plan.bufs.len()],
            regs: vec![None; plan.num_regs],
            donated: Vec::new(),
            handed: Vec::new(),
        }
    }
}

/// The operands of an instruction that takes arrays, each viewed with its abstract value.
fn operands(
    st: &State,
    ins: &[(Loc, ShapeDtype)],
    args: &[&Array],
    consts: &[Array],
    lits: &[Array],
) -> SmallVec<[Array; 4]> {
    ins.iter()
        .map(|(l, aval)| {
            Array::from_shared(shared(st, l, args, consts, lits).clone(), aval.clone())
        })
        .collect()
}

/// Stores an instruction's results in their registers (unused ones are dropped), then drops
/// the registers whose last reader it was.
fn write_registers(st: &mut State, outs: &[Option<u32>], results: Vec<Array>, release: &[u32]) {
    for (r, x) in outs.iter().zip(results) {
        if let Some(r) = r {
            st.regs[*r as usize] = Some(x);
        }
    }
    for r in release {
        st.regs[*r as usize] = None;
    }
}

/// Which of a fused loop's aliases take effect this run: for each output, the first alias
/// whose operand is a donated argument nothing else shares (each argument handed over once).
fn take_donated(st: &State, kernel: &fusion::Fused, ins: &[Loc]) -> SmallVec<[bool; 2]> {
    let mut donated: SmallVec<[bool; 2]> = SmallVec::from_elem(false, kernel.aliases.len());
    for a in 0..kernel.aliases.len() {
        let alias = kernel.aliases[a];
        let Loc::Arg(j) = ins[alias.input as usize] else {
            continue;
        };
        let free = matches!(st.donated.get(j as usize), Some(Some(b)) if unshared(b));
        let taken = kernel.aliases[..a]
            .iter()
            .zip(&donated)
            .any(|(b, d)| *d && (b.output == alias.output || ins[b.input as usize] == Loc::Arg(j)));
        donated[a] = free && !taken;
    }
    donated
}

/// Whether no array shares a buffer, so it may be overwritten.
fn unshared(b: &Arc<Storage>) -> bool {
    Arc::strong_count(b) == 1 && Arc::weak_count(b) == 0
}

/// Planned buffer `out`, to be overwritten: the one from the last run unless an array made
/// earlier (an output the caller kept) still shares it; then the spare, if the caller has let
/// go of it since; else a new one. A buffer the caller still holds becomes the next spare.
fn take_buffer(st: &mut State, plan: &Plan, out: u32) -> Arc<Storage> {
    let o = out as usize;
    match st.bufs[o].take() {
        Some(b) if unshared(&b) => b,
        held => {
            let spare = std::mem::replace(&mut st.spare[o], held);
            match spare {
                Some(b) if unshared(&b) => b,
                _ => {
                    let spec = &plan.bufs[o];
                    Arc::new(Storage::zeros(spec.dtype, spec.len))
                }
            }
        }
    }
}

/// The shared buffer at a location.
fn shared<'a>(
    st: &'a State,
    l: &Loc,
    args: &'a [&Array],
    consts: &'a [Array],
    lits: &'a [Array],
) -> &'a Arc<Storage> {
    match *l {
        Loc::Arg(i) => match st.donated.get(i as usize) {
            Some(Some(b)) => b,
            _ => args[i as usize].shared_storage(),
        },
        Loc::Const(i) => consts[i as usize].shared_storage(),
        Loc::Lit(i) => lits[i as usize].shared_storage(),
        Loc::Reg(i) => st.regs[i as usize]
            .as_ref()
            .expect("register written before it is read")
            .shared_storage(),
        Loc::Buf(i) => st.bufs[i as usize]
            .as_ref()
            .expect("buffer written before it is read"),
    }
}

/// The elements at a location.
fn storage<'a>(
    st: &'a State,
    l: &Loc,
    args: &'a [&Array],
    consts: &'a [Array],
    lits: &'a [Array],
) -> &'a Storage {
    shared(st, l, args, consts, lits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transforms::make_jaxpr;
    use crate::{numpy as jnp, Array};

    fn sgd(w: &Array, g: &Array) -> Array {
        w - &(g * 0.5)
    }

    #[test]
    fn a_donated_argument_read_last_by_an_update_holds_the_result() {
        let w = jnp::arange(600.0).reshape([20, 30]);
        let g = jnp::ones([20, 30]);
        let exe = Executable::compile(&make_jaxpr(sgd)(&w, &g));
        let want = sgd(&w, &g).to_vec::<f32>();
        let donated = jnp::arange(600.0).reshape([20, 30]);
        let at = Array::unsafe_buffer_pointer(&donated);
        let out = exe.run_donating(vec![donated, g.clone()], 1);
        assert_eq!(out[0].to_vec::<f32>(), want);
        assert_eq!(
            Array::unsafe_buffer_pointer(&out[0]),
            at,
            "the update was written over the donated buffer"
        );
    }

    #[test]
    fn a_shared_or_later_read_argument_is_not_overwritten() {
        let w = jnp::arange(600.0).reshape([20, 30]);
        let g = jnp::ones([20, 30]);
        let exe = Executable::compile(&make_jaxpr(sgd)(&w, &g));
        // The caller kept a clone: donation falls back to a fresh buffer.
        let out = exe.run_donating(vec![w.clone(), g.clone()], 1);
        assert_eq!(w.to_vec::<f32>(), jnp::arange(600.0).to_vec::<f32>());
        assert_ne!(
            Array::unsafe_buffer_pointer(&out[0]),
            Array::unsafe_buffer_pointer(&w)
        );
        // `w` is read again after the update: it cannot be overwritten there.
        let both = |w: &Array, g: &Array| (sgd(w, g), w.exp());
        let exe = Executable::compile(&make_jaxpr(both)(&w, &g));
        let donated = jnp::arange(600.0).reshape([20, 30]);
        let at = Array::unsafe_buffer_pointer(&donated);
        let out = exe.run_donating(vec![donated, g.clone()], 1);
        assert_eq!(out[0].to_vec::<f32>(), sgd(&w, &g).to_vec::<f32>());
        assert_eq!(out[1].to_vec::<f32>(), w.exp().to_vec::<f32>());
        assert_ne!(Array::unsafe_buffer_pointer(&out[0]), at);
    }

    #[test]
    fn an_argument_also_read_through_a_view_is_not_overwritten() {
        // `w` feeds the loop both element by element and transposed.
        let f = |w: &Array, g: &Array| w - &(g * &w.transpose(&[1, 0]));
        let w = jnp::arange(900.0).reshape([30, 30]);
        let g = jnp::ones([30, 30]);
        let exe = Executable::compile(&make_jaxpr(f)(&w, &g));
        let out = exe.run_donating(vec![jnp::arange(900.0).reshape([30, 30]), g.clone()], 1);
        assert_eq!(out[0].to_vec::<f32>(), f(&w, &g).to_vec::<f32>());
    }

    #[test]
    fn a_large_donated_update_splits_across_threads_correctly() {
        let n = 1 << 16;
        let w = jnp::arange(n as f64).reshape([256, 256]);
        let g = jnp::ones([256, 256]) * 2.0;
        let exe = Executable::compile(&make_jaxpr(sgd)(&w, &g));
        let want = sgd(&w, &g).to_vec::<f32>();
        let donated = jnp::arange(n as f64).reshape([256, 256]);
        let at = Array::unsafe_buffer_pointer(&donated);
        let out = exe.run_donating(vec![donated, g], 1);
        assert_eq!(Array::unsafe_buffer_pointer(&out[0]), at);
        assert_eq!(out[0].to_vec::<f32>(), want);
    }
}
