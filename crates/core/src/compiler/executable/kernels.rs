//! The executor's fast-path kernels: each writes one planned output buffer from its operands'
//! buffers, through the into-buffer loops of `backend/cpu` (the same loops the eager
//! primitives use, so results are bit-identical).
//!
//! [`select`] decides at compile time which equations get a kernel; everything else runs the
//! primitive's eager implementation.

use super::composite::Composite;
use crate::array::{cast, ArrayElement, DType, Element, FloatElement, Shape, ShapeDtype, Storage};
use crate::backend::cpu::elementwise::{map_into, zip3_map_into, zip_map_into, IntoSlice};
use crate::backend::cpu::matmul::{max_threads, MatRef, MatmulElement};
use crate::backend::cpu::reduce::{reduce_columns_into, reduce_rows_into};
use crate::backend::cpu::strided::{row_major_strides, strided_copy_into};
use crate::prims::binary::{float_binary_map, is_float_op, BinaryOp};
use crate::prims::compare::CompareOp;
use crate::prims::convert::ConvertOp;
use crate::prims::layout::LayoutOp;
use crate::prims::reduce::{ReduceKind, ReduceOp};
use crate::prims::select::SelectOp;
use crate::prims::slicing::{PadWindow, SlicingOp};
use crate::prims::unary::{float_unary_map, is_float_to_float, UnaryOp};
use crate::prims::Primitive;
use half::{bf16, f16};
use smallvec::SmallVec;

/// An elementwise operation: one output element from the operands' elements at the same
/// index (a 0-d operand broadcasts). These are the instructions a fusion pass would merge
/// into one loop (see `docs/ARCHITECTURE.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ElementwiseOp {
    /// A unary float op on f32/f64.
    Unary(UnaryOp),
    /// A binary float op on f32/f64.
    Binary(BinaryOp),
    /// A comparison of f32/f64/i32 operands (bool output).
    Compare(CompareOp),
    /// `select_n` with a bool predicate and two cases.
    Select,
    /// `convert_element_type` to the output dtype.
    Convert,
    /// `fma(x, y, z)` on f32/f64.
    Fma,
    /// A formula standing for a chain of float equations on f32/f64 (made by fusion only,
    /// never by [`select`]).
    Composite(Composite),
}

/// A strided 2-D view of an operand buffer: offset, rows, cols, row stride, column stride.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    offset: usize,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

/// A kernel that writes one planned output buffer.
#[derive(Clone, Debug)]
pub(crate) enum Kernel {
    /// An elementwise loop; `dtype` is the operands' dtype (for `Select`, the cases').
    Elementwise { op: ElementwiseOp, dtype: DType },
    /// Broadcast, transpose, reversal or static slice: output index `i` reads
    /// `src[offset + Σ i_k strides_k]`.
    StridedCopy {
        shape: Shape,
        strides: SmallVec<[isize; 6]>,
        offset: isize,
        dtype: DType,
    },
    /// `reduce_sum` over leading (`columns`) or trailing axes of f32/f64.
    ReduceSum {
        outer: usize,
        inner: usize,
        columns: bool,
        dtype: DType,
    },
    /// `dot_general` without batch axes whose operands are strided matrices, f32/f64.
    Matmul { lhs: View, rhs: View, dtype: DType },
    /// `pad`: the output filled with the padding value (the second operand), then the
    /// operand's kept elements copied into their window.
    Pad { window: PadWindow, dtype: DType },
}

fn is_f(d: DType) -> bool {
    matches!(d, DType::F32 | DType::F64)
}

/// The kernel for an equation, or `None` when it should run the eager primitive.
pub(crate) fn select(prim: &Primitive, ins: &[&ShapeDtype], out: &ShapeDtype) -> Option<Kernel> {
    use ElementwiseOp as E;
    let d = ins.first().map(|a| a.dtype);
    let ew = |op| Some(Kernel::Elementwise { op, dtype: d? });
    match prim {
        Primitive::Unary(op) if is_f(d?) && is_float_to_float(*op) => ew(E::Unary(*op)),
        Primitive::Binary(op) if is_f(d?) && is_float_op(*op) => ew(E::Binary(*op)),
        Primitive::Compare(op) if is_f(d?) || d? == DType::I32 => ew(E::Compare(*op)),
        Primitive::Select(SelectOp::SelectN)
            if ins.len() == 3 && d? == DType::Bool && is_lane(ins[1].dtype) =>
        {
            Some(Kernel::Elementwise {
                op: E::Select,
                dtype: ins[1].dtype,
            })
        }
        Primitive::Convert(ConvertOp::ConvertElementType { new_dtype, .. })
            if is_lane(d?) && is_lane(*new_dtype) =>
        {
            ew(E::Convert)
        }
        Primitive::Fma(_) if is_f(d?) => ew(E::Fma),
        Primitive::Layout(l) => strided(l, ins[0], out),
        Primitive::Slicing(SlicingOp::Slice {
            start_indices,
            strides,
            ..
        }) => {
            // `x[start:limit:step]` reads `x` from the starts with the steps' strides.
            let x = row_major_strides(&ins[0].shape);
            Some(Kernel::StridedCopy {
                shape: out.shape.clone(),
                strides: (0..x.len()).map(|a| x[a] * strides[a] as isize).collect(),
                offset: (0..x.len()).map(|a| x[a] * start_indices[a] as isize).sum(),
                dtype: ins[0].dtype,
            })
        }
        Primitive::Slicing(SlicingOp::Pad { padding_config }) => Some(Kernel::Pad {
            window: PadWindow::new(&ins[0].shape, padding_config, &out.shape),
            dtype: ins[0].dtype,
        }),
        Primitive::Reduce(ReduceOp::Reduce {
            kind: ReduceKind::Sum,
            axes,
        }) if is_f(d?) && !axes.is_empty() => reduce_sum(axes, ins[0]),
        Primitive::DotGeneral(dg)
            if is_f(d?)
                && dg.dimension_numbers.lhs_batch.is_empty()
                && dg.preferred_element_type.is_none_or(|p| Some(p) == d) =>
        {
            let dn = &dg.dimension_numbers;
            let lf = crate::prims::dot_general::free_axes(ins[0].ndim(), &dn.lhs_contracting, &[]);
            let rf = crate::prims::dot_general::free_axes(ins[1].ndim(), &dn.rhs_contracting, &[]);
            let lhs = view(&ins[0].shape, &lf, &dn.lhs_contracting)?;
            let rhs = view(&ins[1].shape, &dn.rhs_contracting, &rf)?;
            Some(Kernel::Matmul {
                lhs,
                rhs,
                dtype: d?,
            })
        }
        _ => None,
    }
}

fn strided(l: &LayoutOp, x: &ShapeDtype, out: &ShapeDtype) -> Option<Kernel> {
    // The stride rules of `LayoutOp::eval`; reshape-like ops never get here (the planner
    // aliases them).
    let in_strides = row_major_strides(&x.shape);
    let (strides, offset): (SmallVec<[isize; 6]>, isize) = match l {
        LayoutOp::BroadcastInDim {
            broadcast_dimensions: dims,
            ..
        } => {
            let mut s = SmallVec::from_elem(0isize, out.ndim());
            for (i, &d) in dims.iter().enumerate() {
                if x.shape[i] != 1 {
                    s[d] = in_strides[i];
                }
            }
            (s, 0)
        }
        LayoutOp::Transpose { permutation } => {
            (permutation.iter().map(|&p| in_strides[p]).collect(), 0)
        }
        LayoutOp::Rev { dimensions } => {
            let mut s: SmallVec<[isize; 6]> = in_strides.iter().copied().collect();
            let mut offset = 0isize;
            for &d in dimensions {
                if x.shape[d] > 0 {
                    offset += (x.shape[d] as isize - 1) * s[d];
                }
                s[d] = -s[d];
            }
            (s, offset)
        }
        LayoutOp::Reshape { .. } | LayoutOp::Squeeze { .. } | LayoutOp::ExpandDims { .. } => {
            return None
        }
    };
    Some(Kernel::StridedCopy {
        shape: out.shape.clone(),
        strides,
        offset,
        dtype: x.dtype,
    })
}

fn reduce_sum(axes: &[usize], x: &ShapeDtype) -> Option<Kernel> {
    // The layout choice of `ReduceOp::eval`: trailing axes reduce rows, leading axes columns;
    // others need a transposing copy, which the eager primitive does.
    let nd = x.ndim();
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    let k = sorted.len();
    let is_prefix = sorted.iter().enumerate().all(|(i, &a)| a == i);
    let is_suffix = sorted.iter().enumerate().all(|(i, &a)| a == nd - k + i);
    let reduced: usize = sorted.iter().map(|&a| x.shape[a]).product();
    let kept: usize = (0..nd)
        .filter(|a| !sorted.contains(a))
        .map(|a| x.shape[a])
        .product();
    let (outer, inner, columns) = if is_suffix {
        (kept, reduced, false)
    } else if is_prefix {
        (reduced, kept, true)
    } else {
        return None;
    };
    Some(Kernel::ReduceSum {
        outer,
        inner,
        columns,
        dtype: x.dtype,
    })
}

/// The matrix view of `dot_general`'s operand viewer (`OperandView::new`) when its row and
/// column axes can each be walked with one stride; `None` when it would copy.
fn view(shape: &[usize], row_axes: &[usize], col_axes: &[usize]) -> Option<View> {
    let strides = row_major_strides(shape);
    let collapse = |axes: &[usize]| -> Option<(usize, usize)> {
        let size: usize = axes.iter().map(|&a| shape[a]).product();
        let kept: Vec<usize> = axes.iter().copied().filter(|&a| shape[a] != 1).collect();
        match kept.last() {
            None => Some((size, 0)),
            Some(&last) => kept
                .windows(2)
                .all(|w| strides[w[0]] == strides[w[1]] * shape[w[1]] as isize)
                .then_some((size, strides[last] as usize)),
        }
    };
    let (rows, rs) = collapse(row_axes)?;
    let (cols, cs) = collapse(col_axes)?;
    Some(View {
        offset: 0,
        rows,
        cols,
        rs,
        cs,
    })
}

/// Mutable typed access to a storage's elements.
pub(crate) trait SliceMut: ArrayElement {
    /// The elements; panics if the storage holds another dtype (a planner bug).
    fn slice_mut(s: &mut Storage) -> &mut [Self];
}

macro_rules! impl_slice_mut {
    ($($t:ty => $v:ident),*) => {$(
        impl SliceMut for $t {
            fn slice_mut(s: &mut Storage) -> &mut [$t] {
                match s {
                    Storage::$v(v) => v,
                    other => panic!("executor: buffer holds {}, expected {}", other.dtype(), <$t as crate::ArrayElement>::DTYPE),
                }
            }
        }
    )*};
}
impl_slice_mut!(bool => Bool, u8 => U8, u16 => U16, u32 => U32, u64 => U64, i8 => I8, i16 => I16, i32 => I32, i64 => I64, f16 => F16, bf16 => BF16, f32 => F32, f64 => F64, num_complex::Complex32 => C64, num_complex::Complex64 => C128, crate::Float8E3M4 => F8E3M4, crate::Float8E4M3 => F8E4M3, crate::Float8E4M3B11Fnuz => F8E4M3B11Fnuz, crate::Float8E4M3Fn => F8E4M3Fn, crate::Float8E4M3Fnuz => F8E4M3Fnuz, crate::Float8E5M2 => F8E5M2, crate::Float8E5M2Fnuz => F8E5M2Fnuz, crate::Float8E8M0Fnu => F8E8M0Fnu, crate::Float4E2M1Fn => F4E2M1Fn);

fn get<T: ArrayElement>(s: &Storage) -> &[T] {
    T::slice(s).unwrap_or_else(|| {
        panic!(
            "executor: operand holds {}, expected {}",
            s.dtype(),
            T::DTYPE
        )
    })
}

/// The float element types of the fast kernels.
trait FastFloat: FloatElement + MatmulElement + SliceMut {}

impl FastFloat for f32 {}
impl FastFloat for f64 {}

/// Read-only elements of an operand, typed: the element types the elementwise kernels take.
/// A one-element operand broadcasts against the others.
#[derive(Clone, Copy)]
pub(crate) enum Src<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
    I32(&'a [i32]),
    Bool(&'a [bool]),
}

/// Output elements, typed like [`Src`].
pub(crate) enum Dst<'a> {
    F32(&'a mut [f32]),
    F64(&'a mut [f64]),
    I32(&'a mut [i32]),
    Bool(&'a mut [bool]),
}

/// The element types of [`Src`] and [`Dst`].
pub(crate) fn is_lane(d: DType) -> bool {
    matches!(d, DType::F32 | DType::F64 | DType::I32 | DType::Bool)
}

impl<'a> Src<'a> {
    /// All elements of a storage; panics for a dtype no elementwise kernel takes (a planner
    /// bug).
    pub(crate) fn of(s: &'a Storage) -> Src<'a> {
        match s {
            Storage::F32(v) => Src::F32(v),
            Storage::F64(v) => Src::F64(v),
            Storage::I32(v) => Src::I32(v),
            Storage::Bool(v) => Src::Bool(v),
            other => panic!("executor: no elementwise kernel reads {}", other.dtype()),
        }
    }

    /// Elements `start..start + n`, or the whole operand if it is a broadcast single element.
    #[inline]
    pub(crate) fn window(self, start: usize, n: usize) -> Src<'a> {
        fn w<T>(v: &[T], start: usize, n: usize) -> &[T] {
            if v.len() == 1 {
                v
            } else {
                &v[start..start + n]
            }
        }
        match self {
            Src::F32(v) => Src::F32(w(v, start, n)),
            Src::F64(v) => Src::F64(w(v, start, n)),
            Src::I32(v) => Src::I32(w(v, start, n)),
            Src::Bool(v) => Src::Bool(w(v, start, n)),
        }
    }
}

impl Dst<'_> {
    /// Elements `start..start + n`, reborrowed.
    #[inline]
    pub(crate) fn window(&mut self, start: usize, n: usize) -> Dst<'_> {
        let r = start..start + n;
        match self {
            Dst::F32(v) => Dst::F32(&mut v[r]),
            Dst::F64(v) => Dst::F64(&mut v[r]),
            Dst::I32(v) => Dst::I32(&mut v[r]),
            Dst::Bool(v) => Dst::Bool(&mut v[r]),
        }
    }

    /// Elements `start..start + n`, to read.
    #[inline]
    pub(crate) fn src(&self, start: usize, n: usize) -> Src<'_> {
        let r = start..start + n;
        match self {
            Dst::F32(v) => Src::F32(&v[r]),
            Dst::F64(v) => Src::F64(&v[r]),
            Dst::I32(v) => Src::I32(&v[r]),
            Dst::Bool(v) => Src::Bool(&v[r]),
        }
    }
}

impl<'a> Dst<'a> {
    /// All elements of a storage; panics like [`Src::of`].
    pub(crate) fn of(s: &'a mut Storage) -> Dst<'a> {
        match s {
            Storage::F32(v) => Dst::F32(v),
            Storage::F64(v) => Dst::F64(v),
            Storage::I32(v) => Dst::I32(v),
            Storage::Bool(v) => Dst::Bool(v),
            other => panic!("executor: no elementwise kernel writes {}", other.dtype()),
        }
    }
}

/// Typed access to [`Src`] and [`Dst`].
pub(crate) trait Lane: Element {
    /// The elements; panics if the operand holds another type (a planner bug).
    fn src(s: Src<'_>) -> &[Self];
    /// The output elements; panics like `src`.
    fn dst(d: Dst<'_>) -> &mut [Self];
    /// `if p { on_true } else { on_false }` without a branch (select masks such as ReLU's
    /// are random: a branch per element mispredicts half the time).
    fn pick(p: bool, on_true: Self, on_false: Self) -> Self;
}

macro_rules! impl_lane {
    ($($t:ty => $v:ident, $bits:ty, $to:expr, $from:expr);*) => {$(
        impl Lane for $t {
            #[inline(always)]
            fn pick(p: bool, on_true: $t, on_false: $t) -> $t {
                let mask = (p as $bits).wrapping_neg();
                $from(($to(on_true) & mask) | ($to(on_false) & !mask))
            }
            fn src(s: Src<'_>) -> &[$t] {
                match s {
                    Src::$v(v) => v,
                    _ => panic!("executor: operand is not {}", <$t as crate::ArrayElement>::DTYPE),
                }
            }
            fn dst(d: Dst<'_>) -> &mut [$t] {
                match d {
                    Dst::$v(v) => v,
                    _ => panic!("executor: output is not {}", <$t as crate::ArrayElement>::DTYPE),
                }
            }
        }
    )*};
}
impl_lane!(
    f32 => F32, u32, f32::to_bits, f32::from_bits;
    f64 => F64, u64, f64::to_bits, f64::from_bits;
    i32 => I32, i32, |x| x, |x| x;
    bool => Bool, u8, |x: bool| x as u8, |x: u8| x != 0
);

impl Kernel {
    /// Runs the kernel: `ins` are the operands' buffers, `out` the planned output buffer.
    pub(crate) fn run(&self, ins: &[&Storage], out: &mut Storage) {
        match self {
            Kernel::Elementwise { op, dtype } => {
                let srcs: SmallVec<[Src<'_>; 3]> = ins.iter().map(|s| Src::of(s)).collect();
                elementwise(*op, *dtype, &srcs, Dst::of(out))
            }
            Kernel::StridedCopy {
                shape,
                strides,
                offset,
                dtype,
            } => {
                crate::with_dtype!(*dtype, T => strided_copy_into(get::<T>(ins[0]), shape, strides, *offset, T::slice_mut(out)))
            }
            Kernel::ReduceSum {
                outer,
                inner,
                columns,
                dtype,
            } => match dtype {
                DType::F32 => sum::<f32>(ins[0], *outer, *inner, *columns, out),
                _ => sum::<f64>(ins[0], *outer, *inner, *columns, out),
            },
            Kernel::Matmul { lhs, rhs, dtype } => match dtype {
                DType::F32 => matmul::<f32>(ins, *lhs, *rhs, out),
                _ => matmul::<f64>(ins, *lhs, *rhs, out),
            },
            Kernel::Pad { window, dtype } => {
                crate::with_dtype!(*dtype, T => {
                    let dst = T::slice_mut(out);
                    dst.fill(get::<T>(ins[1])[0]);
                    window.copy(dst, get::<T>(ins[0]));
                })
            }
        }
    }
}

/// One elementwise operation over typed operands (`dtype`: the operands' type, for `Select`
/// the cases'): the loop a standalone [`Kernel::Elementwise`] runs over whole buffers and a
/// fused kernel over one block.
pub(crate) fn elementwise(op: ElementwiseOp, dtype: DType, ins: &[Src<'_>], out: Dst<'_>) {
    match (op, dtype) {
        (ElementwiseOp::Select, _) => with_lane(dtype, ins, out, SelectK),
        (ElementwiseOp::Convert, _) => with_lane(dtype, ins, out, ConvertK),
        (ElementwiseOp::Compare(c), DType::I32) => compare::<i32>(c, ins, out),
        (_, DType::F32) => float_op::<f32>(op, ins, out),
        (_, DType::F64) => float_op::<f64>(op, ins, out),
        _ => unreachable!("select() gives float ops only f32/f64"),
    }
}

fn float_op<T: FastFloat + Lane>(op: ElementwiseOp, ins: &[Src<'_>], out: Dst<'_>) {
    match op {
        ElementwiseOp::Compare(c) => compare::<T>(c, ins, out),
        ElementwiseOp::Select | ElementwiseOp::Convert => {
            unreachable!("dispatched by dtype in elementwise()")
        }
        _ => {
            let arg = |i: usize| ins.get(i).map_or(&[][..], |&s| T::src(s));
            float_to_float(op, [arg(0), arg(1), arg(2)], T::dst(out))
        }
    }
}

/// A float operation with a float result of its operands' type (`Unary`, `Binary`, `Fma` or
/// `Composite`), on typed operands (`args[i]` unused past the operation's arity): the kernel
/// the fused loops' typed body calls directly.
#[inline]
pub(crate) fn float_to_float<T: FloatElement>(op: ElementwiseOp, args: [&[T]; 3], out: &mut [T]) {
    let [x, y, z] = args;
    match op {
        ElementwiseOp::Unary(u) => float_unary_map(u, x, IntoSlice(out)),
        ElementwiseOp::Binary(b) => float_binary_map(b, x, y, IntoSlice(out)),
        ElementwiseOp::Fma => zip3_map_into(x, y, z, out, |x, y, z| x.mul_add(y, z)),
        ElementwiseOp::Composite(c) => c.run([x, y, z], out),
        other => unreachable!("{other:?} has no float result of its operands' type"),
    }
}

fn compare<T: Lane>(op: CompareOp, ins: &[Src<'_>], out: Dst<'_>) {
    let (x, y, o) = (T::src(ins[0]), T::src(ins[1]), bool::dst(out));
    match op {
        CompareOp::Eq => zip_map_into(x, y, o, |a, b| a == b),
        CompareOp::Ne => zip_map_into(x, y, o, |a, b| a != b),
        CompareOp::Lt => zip_map_into(x, y, o, |a, b| a < b),
        CompareOp::Le => zip_map_into(x, y, o, |a, b| a <= b),
        CompareOp::Gt => zip_map_into(x, y, o, |a, b| a > b),
        CompareOp::Ge => zip_map_into(x, y, o, |a, b| a >= b),
    }
}

/// A kernel generic over one element type, instantiated for the select/convert dtypes.
trait LaneKernel {
    fn run<T: Lane>(&self, ins: &[Src<'_>], out: Dst<'_>);
}

fn with_lane(d: DType, ins: &[Src<'_>], out: Dst<'_>, k: impl LaneKernel) {
    match d {
        DType::F32 => k.run::<f32>(ins, out),
        DType::F64 => k.run::<f64>(ins, out),
        DType::I32 => k.run::<i32>(ins, out),
        DType::Bool => k.run::<bool>(ins, out),
        other => unreachable!("select() admits no {other} copy kernel"),
    }
}

/// `select_n(pred, on_false, on_true)` with a bool predicate (`T`: the cases' type).
struct SelectK;
impl LaneKernel for SelectK {
    fn run<T: Lane>(&self, ins: &[Src<'_>], out: Dst<'_>) {
        let (p, f, t, o) = (
            bool::src(ins[0]),
            T::src(ins[1]),
            T::src(ins[2]),
            T::dst(out),
        );
        // The common case, all operands full-length, as an indexed loop over equal-length
        // slices the compiler vectorises.
        let n = o.len();
        if p.len() == n && f.len() == n && t.len() == n {
            for i in 0..n {
                o[i] = T::pick(p[i], t[i], f[i]);
            }
        } else {
            // A broadcast (length-1) operand: the zip hands the cases over in operand order,
            // `on_false` first, and `pick` takes `on_true` first.
            zip3_map_into(p, f, t, o, |p, f, t| T::pick(p, t, f))
        }
    }
}

/// `convert_element_type` from `T` to the output's dtype, with `cast`'s XLA semantics.
struct ConvertK;
impl LaneKernel for ConvertK {
    fn run<S: Lane>(&self, ins: &[Src<'_>], out: Dst<'_>) {
        let x = S::src(ins[0]);
        match out {
            Dst::F32(o) => map_into(x, o, cast::<S, f32>),
            Dst::F64(o) => map_into(x, o, cast::<S, f64>),
            Dst::I32(o) => map_into(x, o, cast::<S, i32>),
            Dst::Bool(o) => map_into(x, o, cast::<S, bool>),
        }
    }
}

fn sum<T: FastFloat>(x: &Storage, outer: usize, inner: usize, columns: bool, out: &mut Storage) {
    // `ReduceOp::eval` accumulates f32 in f32 and f64 in f64, with these closures.
    let (x, o) = (get::<T>(x), T::slice_mut(out));
    let zero = <T as crate::ArrayElement>::zero();
    if columns {
        reduce_columns_into(x, outer, inner, zero, |a, b| a + b, |a, b| a + b, |a| a, o)
    } else {
        reduce_rows_into(x, outer, inner, zero, |a, b| a + b, |a, b| a + b, |a| a, o)
    }
}

fn matmul<T: FastFloat>(ins: &[&Storage], l: View, r: View, out: &mut Storage) {
    let dst = T::slice_mut(out);
    if dst.is_empty() {
        return;
    }
    let (a, b) = (get::<T>(ins[0]), get::<T>(ins[1]));
    // What `batched_matmul` does for a single matrix product.
    T::matmul(
        dst,
        MatRef::new(a, l.offset, l.rows, l.cols, l.rs, l.cs),
        MatRef::new(b, r.offset, r.rows, r.cols, r.rs, r.cs),
        max_threads(),
    )
}
