//! The lax-level primitives: the small set of operations all array computation reduces to.
//!
//! Each primitive family lives in one file holding everything about it: its parameters, its
//! shape/dtype rule (`abstract_eval`) and its eager CPU implementation (`eval`). The
//! transformations (JVP, transpose, batching) join them there. The large families are folders
//! instead (`linalg`, `gather_scatter`, `slicing`, `window`), with one file per primitive or
//! per rule. The numpy-level API and the `jax.nn` functions are written only in terms of
//! [`bind`], never with kernels of their own, so that every transformation works on all of
//! them.

pub mod binary;
pub mod collective;
pub mod compare;
pub mod complex;
pub mod conv;
pub mod convert;
pub mod cumulative;
pub mod debug_callback;
pub mod device;
pub mod dot_general;
pub mod error_check;
pub mod fft;
pub mod fma;
pub mod gather_scatter;
pub mod higher_order_rule;
pub mod iota;
pub mod layout;
pub mod linalg;
pub(crate) mod ops;
pub mod prng;
pub mod reduce;
pub mod rules;
pub mod select;
pub mod slicing;
pub mod sort;
pub mod special;
pub mod unary;
pub mod window;

use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

/// An operand of a linear primitive being transposed.
#[derive(Clone, Copy, Debug)]
pub enum LinearArg<'a> {
    /// An operand the primitive is linear in; its cotangent is wanted. Only its abstract value
    /// is known (JAX's `UndefinedPrimal`).
    Linear(&'a ShapeDtype),
    /// An operand that is a known value (a residual, an index, a padding value...).
    Known(&'a Array),
}

impl<'a> LinearArg<'a> {
    /// The operand's abstract value.
    pub fn aval(&self) -> &'a ShapeDtype {
        match self {
            LinearArg::Linear(a) => a,
            LinearArg::Known(x) => x.aval(),
        }
    }

    /// True for an operand whose cotangent is wanted.
    pub fn is_linear(&self) -> bool {
        matches!(self, LinearArg::Linear(_))
    }

    /// The known value; panics for a linear operand (a rule asked for a value it cannot have).
    pub fn known(&self, op: &str) -> &'a Array {
        match self {
            LinearArg::Known(x) => x,
            LinearArg::Linear(a) => panic!(
                "transpose of {op}: operand {a} is linear here, but the rule needs its value \
                 (the primitive is not linear in it)"
            ),
        }
    }
}

/// What every primitive family provides.
///
/// Rules other than `abstract_eval`/`eval` run with the current trace set to the parent of the
/// transformation being applied, and compute with [`bind`] or the numpy functions, so they are
/// themselves transformable (that is how grad of grad and vmap of grad work).
pub trait PrimitiveRule {
    /// The name JAX uses for the primitive (`"add"`, `"reduce_sum"`, ...).
    fn name(&self) -> &'static str;
    /// The output shapes and dtypes for the given inputs. Panics on misuse, naming the
    /// operation, the shapes/dtypes it got and what it expected.
    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype>;
    /// Computes the outputs on concrete arrays. `out` is what `abstract_eval` returned.
    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array>;
    /// Forward mode: the outputs and their tangents, given the operands and their tangents.
    /// A `None` tangent is a symbolic zero (also what integer and boolean values have); at least
    /// one input tangent is `Some`. Return `None` for an output whose tangent is zero.
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>);
    /// Reverse mode, for primitives linear in some operands: the cotangents of the
    /// [`LinearArg::Linear`] operands given the outputs' cotangents (`None` = zero; at least one
    /// is `Some`). Return `None` for known operands and for zero cotangents.
    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>>;
    /// vmap: the outputs and their batch dimensions, given the operands and theirs (`None` =
    /// not mapped; at least one is `Some`). `axis_size` is the size of the mapped axis.
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>);
    /// The parameters as `make_jaxpr` prints them (`axes=(0,)`), in JAX's order.
    fn params(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// StableHLO: writes the operations computing the outputs (`out`) from `args` into `cx`
    /// and returns the outputs (the PJRT backend's rule, JAX's `mlir.register_lowering`).
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let _ = (cx, args, out);
        Err(LoweringError::unsupported(self.name()))
    }
}

macro_rules! define_primitives {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        /// A primitive with its parameters. Parameters are plain data (`Hash + Eq`), so a
        /// primitive can key a compilation cache.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum Primitive {
            $(
                #[allow(missing_docs)]
                $variant($ty),
            )*
        }

        impl PrimitiveRule for Primitive {
            fn name(&self) -> &'static str {
                match self { $(Primitive::$variant(p) => p.name(),)* }
            }
            fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
                if !self.accepts_complex() {
                    if let Some(a) = args.iter().find(|a| a.dtype.is_complex()) {
                        complex_unsupported(self.name(), a.dtype);
                    }
                }
                let out = match self { $(Primitive::$variant(p) => p.abstract_eval(args),)* };
                if !self.accepts_complex() {
                    if let Some(a) = out.iter().find(|a| a.dtype.is_complex()) {
                        complex_unsupported(self.name(), a.dtype);
                    }
                }
                // Every kernel sizes its output from these avals: refuse a result shape whose
                // non-zero dimensions overflow in elements or bytes (e.g. a broadcast to
                // [2^40, 2^40]) before any kernel computes a wrapped-around size.
                for aval in &out {
                    if let Some(why) = crate::array::unaddressable(&aval.shape, aval.dtype) {
                        panic!("{}: result: {why} (operands {})", self.name(), describe(args));
                    }
                }
                out
            }
            fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
                match self { $(Primitive::$variant(p) => p.eval(args, out),)* }
            }
            fn jvp(&self, primals: &[&Array], tangents: &[Option<&Array>]) -> (Vec<Array>, Vec<Option<Array>>) {
                match self { $(Primitive::$variant(p) => p.jvp(primals, tangents),)* }
            }
            fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
                match self { $(Primitive::$variant(p) => p.transpose(cts, args),)* }
            }
            fn batch(&self, args: &[&Array], dims: &[Option<usize>], axis_size: usize) -> (Vec<Array>, Vec<Option<usize>>) {
                match self { $(Primitive::$variant(p) => p.batch(args, dims, axis_size),)* }
            }
            fn params(&self) -> Vec<(&'static str, String)> {
                match self { $(Primitive::$variant(p) => p.params(),)* }
            }
            fn lower(&self, cx: &mut LoweringContext, args: &[Value], out: &[ShapeDtype]) -> Result<Vec<Value>, LoweringError> {
                match self { $(Primitive::$variant(p) => p.lower(cx, args, out),)* }
            }
        }

        $(
            impl From<$ty> for Primitive {
                fn from(p: $ty) -> Primitive { Primitive::$variant(p) }
            }
        )*
    };
}

define_primitives! {
    Unary(unary::UnaryOp),
    Binary(binary::BinaryOp),
    Compare(compare::CompareOp),
    Select(select::SelectOp),
    Convert(convert::ConvertOp),
    Layout(layout::LayoutOp),
    Reduce(reduce::ReduceOp),
    Slicing(slicing::SlicingOp),
    Iota(iota::IotaOp),
    GatherScatter(gather_scatter::GatherScatterOp),
    Prng(prng::PrngOp),
    Sort(sort::SortOp),
    Cumulative(cumulative::CumulativeOp),
    Fma(fma::FmaOp),
    Special(special::SpecialOp),
    DotGeneral(dot_general::DotGeneral),
    Conv(conv::ConvGeneralDilated),
    Window(window::WindowOp),
    Collective(collective::CollectiveOp),
    DebugCallback(debug_callback::DebugCallback),
    ErrorCheck(error_check::ErrorCheck),
    HigherOrder(higher_order_rule::HigherOrderPrim),
    Complex(complex::ComplexOp),
    Fft(fft::FftOp),
    Qr(linalg::qr::QrOp),
    Eig(linalg::eig::EigOp),
    Eigh(linalg::eigh::EighOp),
    Svd(linalg::svd::SvdOp),
    Cholesky(linalg::cholesky::Cholesky),
    TriangularSolve(linalg::triangular_solve::TriangularSolve),
    Lu(linalg::lu::Lu),
    LuPivotsToPermutation(linalg::lu::LuPivotsToPermutation),
}

impl Primitive {
    /// Whether an equation must run even when its outputs are unused (and must not be merged with
    /// an identical one or evaluated at compile time): runtime checks (`error_if`), debug callbacks
    /// (`debug::print`, `debug::callback`), and higher-order primitives whose sub-programs hold one
    /// (`HigherOrderRule::has_effect`).
    /// `pure_callback` is pure by contract, as in JAX.
    pub fn has_effect(&self) -> bool {
        match self {
            Primitive::Unary(_)
            | Primitive::Binary(_)
            | Primitive::Compare(_)
            | Primitive::Select(_)
            | Primitive::Convert(_)
            | Primitive::Layout(_)
            | Primitive::Reduce(_)
            | Primitive::Slicing(_)
            | Primitive::Iota(_)
            | Primitive::GatherScatter(_)
            | Primitive::Prng(_)
            | Primitive::Sort(_)
            | Primitive::Cumulative(_)
            | Primitive::Fma(_)
            | Primitive::Special(_)
            | Primitive::DotGeneral(_)
            | Primitive::Conv(_)
            | Primitive::Window(_)
            | Primitive::Collective(_)
            | Primitive::Complex(_)
            | Primitive::Fft(_)
            | Primitive::Qr(_)
            | Primitive::Eig(_)
            | Primitive::Eigh(_)
            | Primitive::Svd(_)
            | Primitive::Cholesky(_)
            | Primitive::TriangularSolve(_)
            | Primitive::Lu(_)
            | Primitive::LuPivotsToPermutation(_) => false,
            Primitive::ErrorCheck(_) | Primitive::DebugCallback(_) => true,
            Primitive::HigherOrder(h) => h.0.has_effect(),
        }
    }

    /// Whether the primitive has complex kernels and rules. The one list of what supports
    /// complex numbers: `abstract_eval` refuses complex operands and results of every other
    /// primitive before any kernel or rule sees them.
    fn accepts_complex(&self) -> bool {
        use Primitive::*;
        match self {
            Unary(op) => op.accepts_complex(),
            Binary(op) => matches!(
                op,
                binary::BinaryOp::Add
                    | binary::BinaryOp::AddAny
                    | binary::BinaryOp::Sub
                    | binary::BinaryOp::Mul
                    | binary::BinaryOp::Div
                    | binary::BinaryOp::Pow
            ),
            Compare(op) => matches!(op, compare::CompareOp::Eq | compare::CompareOp::Ne),
            // `lax.sort` orders complex numbers lexicographically; `top_k` takes real operands.
            Sort(op) => matches!(op, sort::SortOp::Sort { .. }),
            Select(op) => *op == select::SelectOp::SelectN,
            Convert(op) => matches!(op, convert::ConvertOp::ConvertElementType { .. }),
            Reduce(op) => matches!(
                op,
                reduce::ReduceOp::Reduce {
                    kind: reduce::ReduceKind::Sum | reduce::ReduceKind::Prod,
                    ..
                }
            ),
            GatherScatter(op) => !matches!(
                op,
                gather_scatter::GatherScatterOp::Scatter {
                    kind: gather_scatter::ScatterKind::Min | gather_scatter::ScatterKind::Max,
                    ..
                }
            ),
            Layout(_) | Slicing(_) | DotGeneral(_) | Complex(_) | HigherOrder(_)
            | DebugCallback(_) | ErrorCheck(_) | Fft(_) | Qr(_) | Eig(_) | Eigh(_) | Svd(_)
            | Cholesky(_) | TriangularSolve(_) | Lu(_) => true,
            _ => false,
        }
    }
}

/// Refuses a complex dtype in an operation without complex support, as JAX's dtype rules do
/// (`max does not accept dtype complex64`).
#[cold]
pub(crate) fn complex_unsupported(op: &str, dtype: DType) -> ! {
    panic!(
        "{op} does not accept dtype {dtype}. Accepted dtypes are real (bool, integer or \
         floating-point) dtypes; complex numbers are not supported by {op}"
    )
}

/// Applies a primitive to arguments and returns its outputs.
///
/// This is the single entry point through which all computation flows: it hands the primitive
/// to the current transformation (see `crate::trace`'s design notes in
/// `docs/ARCHITECTURE.md`). Outside any transformation it checks the shapes and dtypes and runs
/// the eager CPU kernel.
pub fn bind(prim: impl Into<Primitive>, args: &[&Array]) -> Vec<Array> {
    let prim = prim.into();
    if let Some(i) = args.iter().position(|a| a.is_filtered_out()) {
        panic!(
            "{}: operand {i} ({}) is a filtered-out leaf (a placeholder left by filter/partition); \
             combine the partitions before computing with it",
            prim.name(),
            args[i].aval()
        );
    }
    if let Some(out) = crate::trace::dispatch(&prim, args) {
        return out;
    }
    if let Some(out) = device::eval_on_device(&prim, args) {
        return out;
    }
    let out = eval_primitive(&prim, args);
    if crate::float_checks::enabled() {
        crate::float_checks::check_eager(&prim, &out);
    }
    out
}

/// Runs a primitive's kernel on concrete operands (the evaluation trace), flushing subnormals
/// as XLA does (`config::set_flush_subnormals`).
pub(crate) fn eval_primitive(prim: &Primitive, args: &[&Array]) -> Vec<Array> {
    let _flushing = crate::backend::cpu::subnormals::FlushGuard::enter();
    eval_primitive_in_current_mode(prim, args)
}

/// [`eval_primitive`] in the calling thread's floating-point mode, whatever it is.
pub(crate) fn eval_primitive_in_current_mode(prim: &Primitive, args: &[&Array]) -> Vec<Array> {
    if let Some(i) = args.iter().position(|a| a.is_tracer()) {
        crate::trace::panic_escaped(prim.name(), i, args[i]);
    }
    let avals: smallvec::SmallVec<[&ShapeDtype; 4]> = args.iter().map(|a| a.aval()).collect();
    let out = prim.abstract_eval(&avals);
    prim.eval(args, &out)
}

/// [`bind`] for a primitive with exactly one output.
pub fn bind1(prim: impl Into<Primitive>, args: &[&Array]) -> Array {
    let mut outs = bind(prim, args);
    debug_assert_eq!(outs.len(), 1);
    outs.pop()
        .expect("a single-output primitive returns one array")
}

/// Formats the avals of arguments for error messages: `f32[2,3], i32[]`.
pub(crate) fn describe(args: &[&ShapeDtype]) -> String {
    args.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Panics unless `args` has exactly `n` entries.
pub(crate) fn expect_arity(op: &str, args: &[&ShapeDtype], n: usize) {
    if args.len() != n {
        panic!(
            "{op}: expected {n} operand(s), got {} ({})",
            args.len(),
            describe(args)
        );
    }
}
