//! Control flow inside a compiled program: `scan`, `while` and `cond` equations run their
//! sub-programs as compiled [`Executable`]s.
//!
//! Eagerly, a loop body is interpreted with `eval_jaxpr`, dispatching every equation on every
//! iteration; for a small body that dispatch is most of the time. Here each sub-program is
//! compiled once, when the enclosing program is planned, and kept with its plan; a run then
//! calls the body's instructions once per iteration on the body's own planned buffers, which
//! stay warm across iterations (and across runs of the enclosing program). The compiled body
//! agrees bit for bit with the interpreted one, as every compiled program does with eager
//! evaluation, so the loop's results are the same as the primitive's `eval`.

use super::scan_accumulation::{self, Accumulation};
use super::Executable;
use crate::array::{Array, ShapeDtype, Storage};
use crate::backend::cpu::uninit::ChunkedFill;
use crate::compiler::optimize::optimize;
use crate::higher_order::control_flow::scan::ScanOp;
use crate::higher_order::control_flow::ControlFlowOp;
use crate::jaxpr::{ClosedJaxpr, Jaxpr};
use crate::prims::Primitive;
use std::fmt;
use std::sync::Arc;

/// A control-flow equation with its sub-programs compiled (boxed: an `Executable` is large).
pub(crate) enum Control {
    /// `scan`: the body runs once per slice of the `xs`. Carries that only accumulate outer
    /// products are summed after the loop (`scan_accumulation`): the compiled body is then
    /// the rewritten one, and `shape` and `out` describe it.
    Scan {
        shape: ScanShape,
        body: Box<Executable>,
        /// The compiled body's scan outputs: the final carry, then the stacked `ys`.
        out: Vec<ShapeDtype>,
        /// The carries taken out of the loop, in the original scan's numbering.
        accumulations: Vec<Accumulation>,
        /// How many `ys` the original scan has (the rewritten one appends factors).
        num_ys: usize,
    },
    /// `while`: the condition, then the body, until the condition is false.
    While {
        cond: Box<Executable>,
        body: Box<Executable>,
        cond_nconsts: usize,
        body_nconsts: usize,
    },
    /// `cond`: the branch the (clamped) index selects.
    Cond { branches: Vec<Executable> },
}

/// How a compiled scan loops: `ScanOp`'s counts and direction, for the body it runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanShape {
    num_consts: usize,
    num_carry: usize,
    length: usize,
    reverse: bool,
}

/// Names the equation and its sub-programs' sizes (an `Executable` does not print).
impl fmt::Debug for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Control::Scan { .. } => "scan",
            Control::While { .. } => "while",
            Control::Cond { .. } => "cond",
        };
        let sizes: Vec<usize> = self
            .executables()
            .iter()
            .map(|x| x.plan.instrs.len())
            .collect();
        write!(
            f,
            "{name} (compiled sub-programs of {sizes:?} instructions)"
        )
    }
}

/// Compiles a sub-program, which has no constants of its own (see
/// [`crate::higher_order::control_flow`]).
fn compile(j: &Arc<Jaxpr>) -> Executable {
    Executable::compile(&ClosedJaxpr {
        jaxpr: j.clone(),
        consts: Vec::new(),
    })
}

impl Control {
    /// Compiles the sub-programs of a control-flow equation with outputs `out`; `None` for
    /// other primitives.
    pub(crate) fn new(prim: &Primitive, out: &[ShapeDtype]) -> Option<Control> {
        Some(match prim.higher_order::<ControlFlowOp>()? {
            ControlFlowOp::Scan(s) => compile_scan(s, out),
            ControlFlowOp::While(w) => Control::While {
                cond: Box::new(compile(&w.cond_jaxpr.0)),
                body: Box::new(compile(&w.body_jaxpr.0)),
                cond_nconsts: w.cond_nconsts,
                body_nconsts: w.body_nconsts,
            },
            ControlFlowOp::Cond(c) => Control::Cond {
                branches: c.branches.iter().map(|b| compile(&b.0)).collect(),
            },
        })
    }

    /// The compiled sub-programs.
    pub(crate) fn executables(&self) -> Vec<&Executable> {
        match self {
            Control::Scan { body, .. } => vec![body],
            Control::While { cond, body, .. } => vec![cond, body],
            Control::Cond { branches } => branches.iter().collect(),
        }
    }

    /// Runs the equation on concrete operands.
    pub(crate) fn run(&self, args: &[&Array]) -> Vec<Array> {
        match self {
            Control::Scan {
                shape,
                body,
                out,
                accumulations,
                num_ys,
            } => {
                if accumulations.is_empty() {
                    return run_scan(*shape, body, out, args);
                }
                let (consts, rest) = args.split_at(shape.num_consts);
                let num_carry = shape.num_carry + accumulations.len();
                let (init, xs) = rest.split_at(num_carry);
                let kept: Vec<&Array> = consts
                    .iter()
                    .copied()
                    .chain(
                        init.iter()
                            .enumerate()
                            .filter(|(k, _)| !accumulations.iter().any(|a| a.carry == *k))
                            .map(|(_, x)| *x),
                    )
                    .chain(xs.iter().copied())
                    .collect();
                let outs = run_scan(*shape, body, out, &kept);
                scan_accumulation::finish(accumulations, init, outs, *num_ys, shape.reverse)
            }
            Control::While {
                cond,
                body,
                cond_nconsts,
                body_nconsts,
            } => {
                let (cc, rest) = args.split_at(*cond_nconsts);
                let (bc, carry) = rest.split_at(*body_nconsts);
                let mut carry: Vec<Array> = carry.iter().map(|a| (*a).clone()).collect();
                cond.with_state(|cs| {
                    body.with_state(|bs| loop {
                        let cond_args: Vec<&Array> = cc.iter().copied().chain(&carry).collect();
                        if !cond.execute(cs, &cond_args)[0].item::<bool>() {
                            return carry;
                        }
                        let body_args: Vec<&Array> = bc.iter().copied().chain(&carry).collect();
                        carry = body.execute(bs, &body_args);
                    })
                })
            }
            Control::Cond { branches } => {
                let last = branches.len() as i32 - 1;
                let branch = &branches[args[0].item::<i32>().clamp(0, last) as usize];
                branch.with_state(|st| branch.execute(st, &args[1..]))
            }
        }
    }
}

/// A `scan` equation with its body compiled: taking the carries that only accumulate outer
/// products out of the loop when there are any (see `scan_accumulation`).
fn compile_scan(s: &ScanOp, out: &[ShapeDtype]) -> Control {
    let shape = ScanShape {
        num_consts: s.num_consts,
        num_carry: s.num_carry,
        length: s.length,
        reverse: s.reverse,
    };
    let num_ys = out.len() - s.num_carry;
    let original = ClosedJaxpr {
        jaxpr: s.jaxpr.0.clone(),
        consts: Vec::new(),
    };
    let optimized = optimize(&original);
    match scan_accumulation::hoist(&optimized.jaxpr, s.num_consts, s.num_carry) {
        Some((body, accumulations)) => Control::Scan {
            shape: ScanShape {
                num_carry: s.num_carry - accumulations.len(),
                ..shape
            },
            out: scan_accumulation::scan_out_avals(
                &body,
                s.num_carry - accumulations.len(),
                s.length,
            ),
            body: Box::new(Executable::compile(&ClosedJaxpr {
                jaxpr: Arc::new(body),
                consts: optimized.consts,
            })),
            accumulations,
            num_ys,
        },
        None => Control::Scan {
            shape,
            body: Box::new(Executable::from_optimized(&original, &optimized)),
            out: out.to_vec(),
            accumulations: Vec::new(),
            num_ys,
        },
    }
}

/// `ScanOp::eval` with the body compiled. Each iteration's `x` slices are copied into buffers
/// reused while the body keeps no reference to them, and each `y` straight into its stacked
/// output.
fn run_scan(op: ScanShape, body: &Executable, out: &[ShapeDtype], args: &[&Array]) -> Vec<Array> {
    let (consts, rest) = args.split_at(op.num_consts);
    let (init, xs) = rest.split_at(op.num_carry);
    let mut carry: Vec<Array> = init.iter().map(|a| (*a).clone()).collect();
    let y_avals = &out[op.num_carry..];
    // Each step writes its slice of every stacked output: no zeros first.
    let mut ys: Vec<Box<dyn Stacking>> = y_avals
        .iter()
        .map(|a| {
            let n: usize = a.shape[1..].iter().product();
            crate::with_dtype!(a.dtype, T => Box::new(ChunkedFill::<T>::new(op.length, n)) as Box<dyn Stacking>)
        })
        .collect();
    let x_avals: Vec<ShapeDtype> = xs
        .iter()
        .map(|x| ShapeDtype {
            shape: x.shape()[1..].to_vec().into(),
            dtype: x.dtype(),
            weak_type: x.weak_type(),
        })
        .collect();
    let mut x_bufs: Vec<Arc<Storage>> = x_avals
        .iter()
        .map(|a| Arc::new(Storage::zeros(a.dtype, a.size())))
        .collect();
    body.with_state(|st| {
        for step in 0..op.length {
            let i = if op.reverse {
                op.length - 1 - step
            } else {
                step
            };
            let x_i: Vec<Array> = xs
                .iter()
                .zip(&mut x_bufs)
                .zip(&x_avals)
                .map(|((x, buf), aval)| {
                    let n = aval.size();
                    // A body that returns its `x` (as a carry) still holds the last slice.
                    if Arc::get_mut(buf).is_none() {
                        *buf = Arc::new(Storage::zeros(aval.dtype, n));
                    }
                    let dst = Arc::get_mut(buf).expect("a fresh buffer is unshared");
                    copy_elements(dst, 0, x.storage(), i * n, n);
                    Array::from_shared(buf.clone(), aval.clone())
                })
                .collect();
            let body_args: Vec<&Array> = consts.iter().copied().chain(&carry).chain(&x_i).collect();
            let mut outs = body.execute(st, &body_args);
            drop(body_args);
            drop(x_i);
            for (acc, y) in ys.iter_mut().zip(&outs[op.num_carry..]) {
                acc.write(i, y.storage());
            }
            outs.truncate(op.num_carry);
            carry = outs;
        }
    });
    let stacked = ys
        .into_iter()
        .zip(y_avals)
        .map(|(s, aval)| Array::from_shared(Arc::new(s.finish()), aval.clone()));
    carry.into_iter().chain(stacked).collect()
}

/// A scan's stacked output of any dtype, filled a step at a time.
trait Stacking {
    /// Writes step `i`'s slice from the first elements of `src`.
    fn write(&mut self, i: usize, src: &Storage);
    /// The stacked buffer; every step must have been written.
    fn finish(self: Box<Self>) -> Storage;
}

impl<T: crate::ArrayElement> Stacking for ChunkedFill<T> {
    fn write(&mut self, i: usize, src: &Storage) {
        let n = self.chunk_len();
        let s = T::slice(src).unwrap_or_else(|| {
            panic!(
                "scan: a step's output holds {}, expected {}",
                src.dtype(),
                T::DTYPE
            )
        });
        ChunkedFill::write(self, i, &s[..n]);
    }

    fn finish(self: Box<Self>) -> Storage {
        T::into_storage(ChunkedFill::finish(*self))
    }
}

/// Copies `n` elements from `src[src_at..]` to `dst[dst_at..]` (of the same dtype).
fn copy_elements(dst: &mut Storage, dst_at: usize, src: &Storage, src_at: usize, n: usize) {
    macro_rules! copy {
        ($($v:ident),*) => {
            match (dst, src) {
                $((Storage::$v(d), Storage::$v(s)) => {
                    d[dst_at..dst_at + n].copy_from_slice(&s[src_at..src_at + n])
                })*
                (d, s) => unreachable!("copying {} elements into {}", s.dtype(), d.dtype()),
            }
        };
    }
    copy!(
        Bool,
        U8,
        U32,
        I32,
        I64,
        F16,
        BF16,
        F32,
        F64,
        F8E3M4,
        F8E4M3,
        F8E4M3B11Fnuz,
        F8E4M3Fn,
        F8E4M3Fnuz,
        F8E5M2,
        F8E5M2Fnuz,
        F8E8M0Fnu,
        F4E2M1Fn
    )
}
