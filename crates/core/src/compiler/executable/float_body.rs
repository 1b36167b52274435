//! The typed body of a fused loop whose every step is a float operation with a result of its
//! operands' type, all on one dtype (GELU, `tanh` chains, an optimiser's update): the common
//! case, run without the general body's per-step bookkeeping.
//!
//! The general body ([`super::fusion`]) takes each step's destination block out of the scratch
//! pool, collects its operands as dtype-tagged views and selects the kernel by dtype: about
//! 100 cycles a step, 15% of a jitted GELU (`perf`), where a cheap step's work on a
//! 2048-element block (a multiply by a constant) is about 130 cycles with AVX-512. Here every
//! operand is resolved at compile time to a scratch block, an operand or an output of the one
//! dtype, so a step splits the typed pool around its destination and calls the same
//! per-element loop ([`float_to_float`]) the standalone kernel runs: the bits are the same,
//! and a step's overhead is about half (5-7% of a jitted GELU).

use super::kernels::{float_to_float, Dst, ElementwiseOp, Src};
use super::scratch::{PoolFloat, Scratch};
use crate::array::DType;
use smallvec::SmallVec;
use std::ops::Range;

/// Where a step reads an operand.
#[derive(Clone, Copy, Debug)]
pub(super) enum Operand {
    /// Scratch block `i` of the dtype's pool.
    Slot(u16),
    /// Operand `i` of the loop (a whole operand, or one element broadcast).
    Input(u16),
    /// The block of output `i` an earlier step wrote.
    Output(u16),
}

/// Where a step writes its block.
#[derive(Clone, Copy, Debug)]
pub(super) enum Target {
    /// Scratch block `i` of the dtype's pool.
    Slot(u16),
    /// Output `i`.
    Output(u16),
}

/// One step: an operation, its operands (`None` past its arity) and its destination.
#[derive(Clone, Copy, Debug)]
pub(super) struct FloatStep {
    pub(super) op: ElementwiseOp,
    pub(super) args: [Option<Operand>; 3],
    pub(super) dest: Target,
}

/// A loop body whose steps are all float operations on `dtype` (f32 or f64), with every
/// scratch slot of that dtype (slot `i` is block `i` of the dtype's pool).
#[derive(Clone, Debug)]
pub(super) struct FloatBody {
    pub(super) dtype: DType,
    pub(super) steps: Vec<FloatStep>,
}

impl FloatBody {
    /// Runs `steps` of the body on elements `b..b + n` of the operands (`at..at + n` of the
    /// outputs' pieces). `from_slot[i]` names the slot a donated operand `i` was copied to.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run(
        &self,
        steps: Range<usize>,
        srcs: &[Src<'_>],
        from_slot: &[Option<u16>],
        scratch: &mut Scratch,
        dsts: &mut [Dst<'_>],
        b: usize,
        at: usize,
        n: usize,
    ) {
        let steps = &self.steps[steps];
        match self.dtype {
            DType::F32 => run_steps::<f32>(steps, srcs, from_slot, scratch, dsts, b, at, n),
            DType::F64 => run_steps::<f64>(steps, srcs, from_slot, scratch, dsts, b, at, n),
            other => unreachable!("a typed fused body is f32 or f64, not {other}"),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_steps<T: PoolFloat>(
    steps: &[FloatStep],
    srcs: &[Src<'_>],
    from_slot: &[Option<u16>],
    scratch: &mut Scratch,
    dsts: &mut [Dst<'_>],
    b: usize,
    at: usize,
    n: usize,
) {
    let pool = T::pool(scratch);
    // Pushed in place: a collected vector is moved out of the iterator, and reading the
    // moved words back stalled on store forwarding (a twentieth of a cheap step).
    let mut outs: SmallVec<[&mut [T]; 4]> = SmallVec::new();
    for d in dsts.iter_mut() {
        outs.push(T::dst(d.window(at, n)));
    }
    // A donated operand is read from the slot it was copied to (its buffer may be an
    // output this block overwrites).
    let operand = |a: Operand| match a {
        Operand::Input(i) => match from_slot[i as usize] {
            Some(s) => Operand::Slot(s),
            None => a,
        },
        _ => a,
    };
    let input = |i: u16| -> &[T] {
        let v = T::src(srcs[i as usize]);
        if v.len() == 1 {
            v
        } else {
            &v[b..b + n]
        }
    };
    for step in steps {
        match step.dest {
            Target::Slot(k) => {
                let k = k as usize;
                let (lo, rest) = pool.split_at_mut(k);
                let (dest, hi) = rest.split_first_mut().expect("a slot of the pool");
                let read = |a: Option<Operand>| -> &[T] {
                    match a.map(operand) {
                        None => &[],
                        Some(Operand::Slot(s)) => &around(lo, hi, k, s)[..n],
                        Some(Operand::Input(i)) => input(i),
                        Some(Operand::Output(o)) => &outs[o as usize][..],
                    }
                };
                let [x, y, z] = step.args;
                float_to_float(step.op, [read(x), read(y), read(z)], &mut dest[..n]);
            }
            Target::Output(o) => {
                let o = o as usize;
                let (lo, rest) = outs.split_at_mut(o);
                let (dest, hi) = rest.split_first_mut().expect("an output of the loop");
                let read = |a: Option<Operand>| -> &[T] {
                    match a.map(operand) {
                        None => &[],
                        Some(Operand::Slot(s)) => &pool[s as usize][..n],
                        Some(Operand::Input(i)) => input(i),
                        Some(Operand::Output(p)) => &around(lo, hi, o, p)[..],
                    }
                };
                let [x, y, z] = step.args;
                float_to_float(step.op, [read(x), read(y), read(z)], dest);
            }
        }
    }
}

/// Element `i` of a slice split around element `at` (`lo` before it, `hi` after; `i != at`).
#[inline]
fn around<'a, X>(lo: &'a [X], hi: &'a [X], at: usize, i: u16) -> &'a X {
    let i = i as usize;
    if i < at {
        &lo[i]
    } else {
        &hi[i - at - 1]
    }
}
