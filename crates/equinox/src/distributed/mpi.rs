//! Process groups of MPI ranks (the `mpi` feature): JAX's `jax.distributed.initialize()` for a
//! program started with `mpirun -n N`.
//!
//! ```no_run
//! use equinox as eqx;
//! use eqx::{distributed::{self, mpi}, lax, Array};
//!
//! let runtime = mpi::initialize()?; // MPI_Init; MPI_Finalize when `runtime` is dropped
//! let world = runtime.world();
//! let x = Array::scalar(world.rank() as f32);
//! let total = distributed::bind_axis("data", world, || lax::psum(&x, "data"));
//! println!("sum of ranks: {}", total.item::<f32>());
//! # Ok::<(), eqx::distributed::DistributedError>(())
//! ```
//!
//! A panic on any rank aborts the whole job (`MPI_Abort`) after printing the rank and the
//! message, and MPI's own error handling ends the job when a rank is killed, so the other ranks
//! never wait forever for a member that is gone.

use super::{CollectiveError, DistributedError, ProcessGroup, ReduceOp};
use equinox_core::backend::cpu::huge_pages::zeroed_vec;
use equinox_core::{Array, ArrayElement, Complex32, Complex64, DType};
use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Root, Source};
use mpi::Threading;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Set once MPI is finalized: the groups refuse collectives from then on.
static FINALIZED: AtomicBool = AtomicBool::new(false);

/// MPI is not thread-safe at the level we ask for (`MPI_THREAD_SERIALIZED`): one call at a time.
static CALLS: Mutex<()> = Mutex::new(());

/// The MPI environment of this process: created by [`initialize`], finalizes MPI when dropped
/// (keep it alive until the last collective).
pub struct MpiRuntime {
    universe: Option<mpi::environment::Universe>,
    world: Arc<MpiGroup>,
}

impl MpiRuntime {
    /// All ranks of the job (`MPI_COMM_WORLD`) as a process group.
    pub fn world(&self) -> Arc<dyn ProcessGroup> {
        self.world.clone()
    }

    /// This process's rank in the world.
    pub fn rank(&self) -> usize {
        self.world.rank
    }

    /// The number of ranks in the world.
    pub fn size(&self) -> usize {
        self.world.size
    }
}

impl Drop for MpiRuntime {
    fn drop(&mut self) {
        let _serial = CALLS.lock().unwrap_or_else(|e| e.into_inner());
        FINALIZED.store(true, Ordering::SeqCst);
        drop(self.universe.take());
    }
}

/// Initialises MPI (`MPI_Init_thread`, serialized threading) and installs a panic hook that
/// aborts the whole job when any rank panics, naming the rank. It also has the C allocator keep
/// freed buffers for reuse (`backend::cpu::huge_pages::keep_freed_buffers`: each training step
/// reallocates the same buckets, and returning them to the system made the gradient exchange
/// six times slower). Fails if MPI was initialised already in this process.
pub fn initialize() -> Result<MpiRuntime, DistributedError> {
    let (universe, _level) =
        mpi::initialize_with_threading(Threading::Serialized).ok_or_else(|| {
            DistributedError::Setup("MPI is already initialised in this process".into())
        })?;
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    // Every step frees and reallocates the same gradient buckets and receive buffers.
    equinox_core::backend::cpu::huge_pages::keep_freed_buffers();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        if size > 1 && !FINALIZED.load(Ordering::SeqCst) {
            eprintln!("equinox::distributed: rank {rank} of {size} panicked; aborting the job");
            SimpleCommunicator::world().abort(1);
        }
    }));
    Ok(MpiRuntime {
        universe: Some(universe),
        world: Arc::new(MpiGroup { rank, size }),
    })
}

/// `MPI_COMM_WORLD` as a [`ProcessGroup`]. Each call runs one MPI collective (or a send and a
/// receive for `permute`) on the elements of the operand, into a fresh buffer (on huge pages
/// when large: `huge_pages::zeroed_vec`); dtypes MPI has no type for travel as
/// wider ones and come back exactly (`float16`/`bfloat16`/8-bit floats as `float64`, complex
/// numbers as pairs of floats, booleans as bytes).
pub struct MpiGroup {
    rank: usize,
    size: usize,
}

/// An operand's elements in a type MPI has.
enum Wire {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I8(Vec<i8>),
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    U64(Vec<u64>),
}

/// Runs `$body` with `$v` bound to the vector inside a [`Wire`], rewrapping a vector `$out`
/// of the same type with `$wrap`.
macro_rules! on_wire {
    ($w:expr, $v:ident, $wrap:ident => $body:expr) => {
        match $w {
            Wire::F32($v) => {
                let $wrap = Wire::F32;
                $body
            }
            Wire::F64($v) => {
                let $wrap = Wire::F64;
                $body
            }
            Wire::I8($v) => {
                let $wrap = Wire::I8;
                $body
            }
            Wire::I16($v) => {
                let $wrap = Wire::I16;
                $body
            }
            Wire::I32($v) => {
                let $wrap = Wire::I32;
                $body
            }
            Wire::I64($v) => {
                let $wrap = Wire::I64;
                $body
            }
            Wire::U8($v) => {
                let $wrap = Wire::U8;
                $body
            }
            Wire::U16($v) => {
                let $wrap = Wire::U16;
                $body
            }
            Wire::U32($v) => {
                let $wrap = Wire::U32;
                $body
            }
            Wire::U64($v) => {
                let $wrap = Wire::U64;
                $body
            }
        }
    };
}

/// The elements of `x` as MPI elements.
fn to_wire(x: &Array) -> Wire {
    match x.dtype() {
        DType::F32 => Wire::F32(x.to_vec()),
        DType::F64 => Wire::F64(x.to_vec()),
        DType::I8 => Wire::I8(x.to_vec()),
        DType::I16 => Wire::I16(x.to_vec()),
        DType::I32 => Wire::I32(x.to_vec()),
        DType::I64 => Wire::I64(x.to_vec()),
        DType::U8 | DType::Bool => Wire::U8(x.to_vec()),
        DType::U16 => Wire::U16(x.to_vec()),
        DType::U32 => Wire::U32(x.to_vec()),
        DType::U64 => Wire::U64(x.to_vec()),
        DType::C64 => Wire::F32(
            x.as_slice::<Complex32>()
                .iter()
                .flat_map(|c| [c.re, c.im])
                .collect(),
        ),
        DType::C128 => Wire::F64(
            x.as_slice::<Complex64>()
                .iter()
                .flat_map(|c| [c.re, c.im])
                .collect(),
        ),
        // Narrow floats are exact in f64.
        _ => Wire::F64(x.to_vec()),
    }
}

/// Elements received for an array of `dtype` and `shape`, back in that dtype.
fn from_wire(w: Wire, dtype: DType, shape: &[usize]) -> Array {
    match (w, dtype) {
        (Wire::F32(v), DType::F32) => Array::from_vec(v, shape),
        (Wire::F64(v), DType::F64) => Array::from_vec(v, shape),
        (Wire::I8(v), DType::I8) => Array::from_vec(v, shape),
        (Wire::I16(v), DType::I16) => Array::from_vec(v, shape),
        (Wire::I32(v), DType::I32) => Array::from_vec(v, shape),
        (Wire::I64(v), DType::I64) => Array::from_vec(v, shape),
        (Wire::U8(v), DType::U8) => Array::from_vec(v, shape),
        (Wire::U8(v), DType::Bool) => {
            Array::from_vec(v.into_iter().map(|b| b != 0).collect::<Vec<bool>>(), shape)
        }
        (Wire::U16(v), DType::U16) => Array::from_vec(v, shape),
        (Wire::U32(v), DType::U32) => Array::from_vec(v, shape),
        (Wire::U64(v), DType::U64) => Array::from_vec(v, shape),
        (Wire::F32(v), DType::C64) => Array::from_vec(
            v.chunks_exact(2)
                .map(|p| Complex32::new(p[0], p[1]))
                .collect::<Vec<_>>(),
            shape,
        ),
        (Wire::F64(v), DType::C128) => Array::from_vec(
            v.chunks_exact(2)
                .map(|p| Complex64::new(p[0], p[1]))
                .collect::<Vec<_>>(),
            shape,
        ),
        (Wire::F64(v), dtype) => equinox_core::with_dtype!(dtype, T => Array::from_vec(
            v.into_iter().map(T::from_f64).collect::<Vec<T>>(),
            shape
        )),
        _ => unreachable!("to_wire chose the wire type of {dtype}"),
    }
}

fn system_op(op: ReduceOp, dtype: DType) -> Result<SystemOperation, CollectiveError> {
    Ok(match (op, dtype) {
        // Booleans travel as 0/1 bytes: max is "any", min is "all"; JAX refuses psum of them.
        (ReduceOp::Sum, DType::Bool) => {
            return Err(CollectiveError::Unsupported(
                "Sum over a process axis does not support dtype bool".into(),
            ))
        }
        (ReduceOp::Max | ReduceOp::Min, DType::C64 | DType::C128) => {
            return Err(CollectiveError::Unsupported(format!(
                "{op:?} over a process axis does not support dtype {dtype}"
            )))
        }
        (ReduceOp::Sum, _) => SystemOperation::sum(),
        (ReduceOp::Max, _) => SystemOperation::max(),
        (ReduceOp::Min, _) => SystemOperation::min(),
    })
}

/// MPI counts elements in `int`.
fn check_count(n: usize) -> Result<(), CollectiveError> {
    if n > i32::MAX as usize {
        return Err(CollectiveError::Unsupported(format!(
            "{n} elements in one MPI call (at most {} fit MPI's count)",
            i32::MAX
        )));
    }
    Ok(())
}

impl MpiGroup {
    /// The world communicator, with the calls serialized; refuses after MPI is finalized.
    fn with_world<R>(
        &self,
        f: impl FnOnce(&SimpleCommunicator) -> R,
    ) -> Result<R, CollectiveError> {
        let _serial = CALLS.lock().unwrap_or_else(|e| e.into_inner());
        if FINALIZED.load(Ordering::SeqCst) {
            return Err(CollectiveError::Backend(
                "MPI is finalized (the MpiRuntime was dropped)".into(),
            ));
        }
        Ok(f(&SimpleCommunicator::world()))
    }
}

impl ProcessGroup for MpiGroup {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn all_reduce(&self, x: &Array, op: ReduceOp) -> Result<Array, CollectiveError> {
        let mpi_op = system_op(op, x.dtype())?;
        check_count(x.size())?;
        // The common dtypes reduce straight from the array's buffer.
        macro_rules! direct {
            ($T:ty) => {{
                let send = x.as_slice::<$T>();
                let mut recv: Vec<$T> = zeroed_vec(send.len());
                self.with_world(|w| w.all_reduce_into(send, &mut recv[..], mpi_op))?;
                return Ok(Array::from_vec(recv, x.shape()));
            }};
        }
        match x.dtype() {
            DType::F32 => direct!(f32),
            DType::F64 => direct!(f64),
            DType::I32 => direct!(i32),
            DType::I64 => direct!(i64),
            _ => {}
        }
        let wire = to_wire(x);
        let out = on_wire!(wire, v, wrap => {
            let mut recv = zeroed_vec(v.len());
            self.with_world(|w| w.all_reduce_into(&v[..], &mut recv[..], mpi_op))?;
            wrap(recv)
        });
        Ok(from_wire(out, x.dtype(), x.shape()))
    }

    fn all_gather(&self, x: &Array) -> Result<Array, CollectiveError> {
        check_count(x.size() * self.size)?;
        let wire = to_wire(x);
        let out = on_wire!(wire, v, wrap => {
            let mut recv = zeroed_vec(v.len() * self.size);
            self.with_world(|w| w.all_gather_into(&v[..], &mut recv[..]))?;
            wrap(recv)
        });
        let mut shape = vec![self.size];
        shape.extend_from_slice(x.shape());
        Ok(from_wire(out, x.dtype(), &shape))
    }

    fn all_to_all(&self, x: &Array) -> Result<Array, CollectiveError> {
        assert_eq!(
            x.shape().first(),
            Some(&self.size),
            "all_to_all: the operand's leading axis must have the group's size"
        );
        check_count(x.size())?;
        let wire = to_wire(x);
        let out = on_wire!(wire, v, wrap => {
            let mut recv = zeroed_vec(v.len());
            self.with_world(|w| w.all_to_all_into(&v[..], &mut recv[..]))?;
            wrap(recv)
        });
        Ok(from_wire(out, x.dtype(), x.shape()))
    }

    fn permute(&self, x: &Array, perm: &[(usize, usize)]) -> Result<Array, CollectiveError> {
        check_count(x.size())?;
        let dest = perm.iter().find(|&&(s, _)| s == self.rank).map(|p| p.1);
        let src = perm.iter().find(|&&(_, d)| d == self.rank).map(|p| p.0);
        let wire = to_wire(x);
        let out = on_wire!(wire, v, wrap => {
            let mut recv = zeroed_vec(v.len());
            self.with_world(|w| match (dest, src) {
                (Some(d), Some(s)) => {
                    mpi::point_to_point::send_receive_into(
                        &v[..],
                        &w.process_at_rank(d as i32),
                        &mut recv[..],
                        &w.process_at_rank(s as i32),
                    );
                }
                (Some(d), None) => w.process_at_rank(d as i32).send(&v[..]),
                (None, Some(s)) => {
                    w.process_at_rank(s as i32).receive_into(&mut recv[..]);
                }
                (None, None) => {}
            })?;
            wrap(recv)
        });
        Ok(from_wire(out, x.dtype(), x.shape()))
    }

    fn broadcast(&self, x: &Array, root: usize) -> Result<Array, CollectiveError> {
        check_count(x.size())?;
        let wire = to_wire(x);
        let out = on_wire!(wire, v, wrap => {
            let mut buf = v;
            self.with_world(|w| w.process_at_rank(root as i32).broadcast_into(&mut buf[..]))?;
            wrap(buf)
        });
        Ok(from_wire(out, x.dtype(), x.shape()))
    }

    fn barrier(&self) -> Result<(), CollectiveError> {
        self.with_world(|w| w.barrier())
    }
}
