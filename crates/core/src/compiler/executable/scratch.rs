//! Per-thread scratch blocks for the fused loops ([`super::fusion`], [`super::row_fusion`]):
//! typed blocks taken out of a pool while a step writes them, and the output splitting both
//! loops use to run chunks on several threads.

use super::kernels::{Dst, Lane, Src};
use crate::array::{DType, FloatElement};
use crate::backend::cpu::stream::stream_copy;
use std::cell::RefCell;

/// Splits output elements into consecutive pieces of `per` elements (the last may be shorter).
pub(super) fn split(d: Dst<'_>, per: usize) -> Vec<Dst<'_>> {
    match d {
        Dst::F32(v) => v.chunks_mut(per).map(Dst::F32).collect(),
        Dst::F64(v) => v.chunks_mut(per).map(Dst::F64).collect(),
        Dst::I32(v) => v.chunks_mut(per).map(Dst::I32).collect(),
        Dst::Bool(v) => v.chunks_mut(per).map(Dst::Bool).collect(),
    }
}

/// One scratch block taken out of the pool while a step writes it.
pub(super) enum Block {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I32(Vec<i32>),
    Bool(Vec<bool>),
}

impl Block {
    #[inline]
    pub(super) fn dst(&mut self, n: usize) -> Dst<'_> {
        match self {
            Block::F32(v) => Dst::F32(&mut v[..n]),
            Block::F64(v) => Dst::F64(&mut v[..n]),
            Block::I32(v) => Dst::I32(&mut v[..n]),
            Block::Bool(v) => Dst::Bool(&mut v[..n]),
        }
    }
}

/// A thread's scratch blocks, by dtype (shared by the fused and row-fused loops: a thread
/// runs one loop at a time); kept between runs so steady-state runs allocate
/// nothing.
#[derive(Default)]
pub(super) struct Scratch {
    f32: Vec<Vec<f32>>,
    f64: Vec<Vec<f64>>,
    i32: Vec<Vec<i32>>,
    bool: Vec<Vec<bool>>,
}

/// The float types whose scratch pool the fused loops' typed body borrows whole (see
/// [`super::float_body`]).
pub(super) trait PoolFloat: FloatElement + Lane {
    /// This type's scratch blocks.
    fn pool(s: &mut Scratch) -> &mut [Vec<Self>];
}

impl PoolFloat for f32 {
    #[inline]
    fn pool(s: &mut Scratch) -> &mut [Vec<f32>] {
        &mut s.f32
    }
}

impl PoolFloat for f64 {
    #[inline]
    fn pool(s: &mut Scratch) -> &mut [Vec<f64>] {
        &mut s.f64
    }
}

thread_local! {
    pub(super) static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Makes sure the pool has `count` chunks of at least `len` elements.
pub(super) fn grow<T: Clone + Default>(pool: &mut Vec<Vec<T>>, count: usize, len: usize) {
    while pool.len() < count {
        pool.push(Vec::new());
    }
    for v in &mut pool[..count] {
        if v.len() < len {
            v.resize(len, T::default());
        }
    }
}

impl Scratch {
    /// Makes sure every slot has a chunk of `len` elements.
    pub(super) fn reserve(&mut self, slots: &[(DType, u16)], len: usize) {
        for &(d, idx) in slots {
            let count = idx as usize + 1;
            match d {
                DType::F32 => grow(&mut self.f32, count, len),
                DType::F64 => grow(&mut self.f64, count, len),
                DType::I32 => grow(&mut self.i32, count, len),
                _ => grow(&mut self.bool, count, len),
            }
        }
    }

    #[inline]
    pub(super) fn take(&mut self, d: DType, idx: u16) -> Block {
        let i = idx as usize;
        match d {
            DType::F32 => Block::F32(std::mem::take(&mut self.f32[i])),
            DType::F64 => Block::F64(std::mem::take(&mut self.f64[i])),
            DType::I32 => Block::I32(std::mem::take(&mut self.i32[i])),
            _ => Block::Bool(std::mem::take(&mut self.bool[i])),
        }
    }

    #[inline]
    pub(super) fn put(&mut self, b: Block, idx: u16) {
        let i = idx as usize;
        match b {
            Block::F32(v) => self.f32[i] = v,
            Block::F64(v) => self.f64[i] = v,
            Block::I32(v) => self.i32[i] = v,
            Block::Bool(v) => self.bool[i] = v,
        }
    }

    #[inline]
    pub(super) fn src(&self, d: DType, idx: u16, n: usize) -> Src<'_> {
        let i = idx as usize;
        match d {
            DType::F32 => Src::F32(&self.f32[i][..n]),
            DType::F64 => Src::F64(&self.f64[i][..n]),
            DType::I32 => Src::I32(&self.i32[i][..n]),
            _ => Src::Bool(&self.bool[i][..n]),
        }
    }

    /// Copies `src` into the first elements of a slot.
    pub(super) fn copy_in(&mut self, (d, idx): (DType, u16), src: Dst<'_>) {
        let i = idx as usize;
        match (d, src) {
            (DType::F32, Dst::F32(v)) => self.f32[i][..v.len()].copy_from_slice(v),
            (DType::F64, Dst::F64(v)) => self.f64[i][..v.len()].copy_from_slice(v),
            (DType::I32, Dst::I32(v)) => self.i32[i][..v.len()].copy_from_slice(v),
            (DType::Bool, Dst::Bool(v)) => self.bool[i][..v.len()].copy_from_slice(v),
            _ => unreachable!("an alias slot has its operand's dtype"),
        }
    }

    /// Copies a slot's first `n` elements into `d` at `at` with non-temporal stores (which
    /// write whole lines without reading them first and leave them out of the caches); the
    /// writer calls [`stream_fence`] before anyone reads them.
    pub(super) fn stream_out(
        &self,
        (d, idx): (DType, u16),
        n: usize,
        dst: &mut Dst<'_>,
        at: usize,
    ) {
        let r = at..at + n;
        match (self.src(d, idx, n), dst) {
            (Src::F32(s), Dst::F32(v)) => stream_copy(s, &mut v[r]),
            (Src::F64(s), Dst::F64(v)) => stream_copy(s, &mut v[r]),
            (Src::I32(s), Dst::I32(v)) => stream_copy(s, &mut v[r]),
            (Src::Bool(s), Dst::Bool(v)) => stream_copy(s, &mut v[r]),
            _ => unreachable!("a streamed slot has its output's dtype"),
        }
    }

    /// Copies a slot's first `n` elements into `d` at `at`.
    pub(super) fn copy_out(&self, (d, idx): (DType, u16), n: usize, dst: &mut Dst<'_>, at: usize) {
        fn copy<T: Lane>(s: Src<'_>, d: &mut Dst<'_>, at: usize) {
            let s = T::src(s);
            let d: &mut [T] = match d {
                Dst::F32(v) => T::dst(Dst::F32(v)),
                Dst::F64(v) => T::dst(Dst::F64(v)),
                Dst::I32(v) => T::dst(Dst::I32(v)),
                Dst::Bool(v) => T::dst(Dst::Bool(v)),
            };
            d[at..at + s.len()].copy_from_slice(s);
        }
        let s = self.src(d, idx, n);
        match d {
            DType::F32 => copy::<f32>(s, dst, at),
            DType::F64 => copy::<f64>(s, dst, at),
            DType::I32 => copy::<i32>(s, dst, at),
            _ => copy::<bool>(s, dst, at),
        }
    }
}
