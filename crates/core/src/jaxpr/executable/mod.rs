//! The CPU executable a jit-compiled program runs as.
//!
//! Compiling optimises the staged program ([`super::optimize::optimize`]) and turns it into a
//! flat list of instructions over *locations*: the arguments, the constants, literals,
//! *registers* (arrays made by eager primitives) and *buffers* (planned, reused storage).
//! Hot primitives become [`kernels::Kernel`]s writing into a planned buffer; reshapes and
//! other reinterpretations become aliases (no instruction at all); everything else calls the
//! primitive's eager implementation.
//!
//! The buffer plan comes from liveness: a buffer whose value's last reader has run goes back
//! to a free list and is reused by a later value of the same dtype and length. Buffers live
//! in the executable between calls (behind a mutex), so in steady state a call allocates only
//! buffers for its outputs, and not even those when the caller has dropped the previous call's
//! outputs. Inputs and constants are never written.

mod fusion;
mod kernels;
mod plan;

use super::{check_arg, ClosedJaxpr};
use crate::array::{Array, Storage};
use crate::prims::eval_primitive;
use plan::{Instr, Loc, Plan};
use smallvec::SmallVec;
use std::sync::{Arc, Mutex};

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
}

impl Executable {
    /// Compiles a staged program for the CPU.
    pub fn compile(program: &ClosedJaxpr) -> Executable {
        let plan = Plan::new(&super::optimize::optimize(program));
        Executable {
            program: program.clone(),
            state: Mutex::new(State {
                bufs: vec![None; plan.bufs.len()],
                spare: vec![None; plan.bufs.len()],
                regs: vec![None; plan.num_regs],
            }),
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
        if crate::trace::current().is_some()
            || args.iter().any(|a| a.is_tracer())
            || self.program.consts.iter().any(Array::is_tracer)
        {
            return self.program.call(args);
        }
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
        // A second thread running the same executable at the same time gets its own buffers.
        let run = || match self.state.try_lock() {
            Ok(mut st) => self.execute(&mut st, args),
            Err(_) => self.execute(
                &mut State {
                    bufs: vec![None; self.plan.bufs.len()],
                    spare: vec![None; self.plan.bufs.len()],
                    regs: vec![None; self.plan.num_regs],
                },
                args,
            ),
        };
        // A large program runs on one of rayon's workers rather than the calling thread: its
        // parallel kernels then share the pool's threads instead of adding a third runnable
        // thread that competes with workers still spinning after the last parallel kernel
        // (on two cores that halves the speed of every serial step). `rayon::scope` runs its
        // body on a worker when called from outside the pool. Small programs stay put: the
        // hand-off costs a few microseconds.
        if self.plan.large && rayon::current_thread_index().is_none() {
            rayon::scope(|_| run())
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
                    let arrays: SmallVec<[Array; 4]> = ins
                        .iter()
                        .map(|(l, aval)| {
                            Array::from_shared(
                                shared(st, l, args, consts, &plan.literals).clone(),
                                aval.clone(),
                            )
                        })
                        .collect();
                    let refs: SmallVec<[&Array; 4]> = arrays.iter().collect();
                    let results = eval_primitive(prim, &refs);
                    drop(refs);
                    drop(arrays);
                    for (r, x) in outs.iter().zip(results) {
                        if let Some(r) = r {
                            st.regs[*r as usize] = Some(x);
                        }
                    }
                    for r in release {
                        st.regs[*r as usize] = None;
                    }
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
        outs
    }
}

/// Planned buffer `out`, to be overwritten: the one from the last run unless an array made
/// earlier (an output the caller kept) still shares it; then the spare, if the caller has let
/// go of it since; else a new one. A buffer the caller still holds becomes the next spare.
fn take_buffer(st: &mut State, plan: &Plan, out: u32) -> Arc<Storage> {
    let unshared = |b: &Arc<Storage>| Arc::strong_count(b) == 1 && Arc::weak_count(b) == 0;
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
        Loc::Arg(i) => args[i as usize].shared_storage(),
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
