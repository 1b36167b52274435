//! The lax-level primitives: the small set of operations all array computation reduces to.
//!
//! Each primitive family lives in one file holding everything about it: its parameters, its
//! shape/dtype rule (`abstract_eval`) and its eager CPU implementation (`eval`). The
//! transformations (JVP, transpose, batching) join them there. The numpy-level API and the
//! `jax.nn` functions are written only in terms of [`bind`], never with kernels of their own,
//! so that every transformation works on all of them.

pub mod binary;
pub mod compare;
pub mod conv;
pub mod convert;
pub mod cumulative;
pub mod dot_general;
pub mod fma;
pub mod gather_scatter;
pub mod iota;
pub mod layout;
pub mod reduce;
pub mod select;
pub mod slicing;
pub mod sort;
pub mod threefry;
pub mod unary;
pub mod window;

use crate::array::{Array, ShapeDtype};

/// What every primitive family provides.
pub trait PrimitiveRule {
    /// The name JAX uses for the primitive (`"add"`, `"reduce_sum"`, ...).
    fn name(&self) -> &'static str;
    /// The output shapes and dtypes for the given inputs. Panics on misuse, naming the
    /// operation, the shapes/dtypes it got and what it expected.
    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype>;
    /// Computes the outputs on concrete arrays. `out` is what `abstract_eval` returned.
    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array>;
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
                match self { $(Primitive::$variant(p) => p.abstract_eval(args),)* }
            }
            fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
                match self { $(Primitive::$variant(p) => p.eval(args, out),)* }
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
    Threefry(threefry::ThreefryOp),
    Sort(sort::SortOp),
    Cumulative(cumulative::CumulativeOp),
    Fma(fma::FmaOp),
    DotGeneral(dot_general::DotGeneral),
    Conv(conv::ConvGeneralDilated),
    Window(window::WindowOp),
}

/// Applies a primitive to arguments and returns its outputs.
///
/// This is the single entry point through which all computation flows; the transformations
/// intercept it. Outside any transformation it checks the shapes and dtypes and runs the eager
/// CPU kernel.
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
