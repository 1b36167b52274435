//! Comparison primitives: `eq`, `ne`, `lt`, `le`, `gt`, `ge` (bool outputs).

use super::binary::{common_dtype, elementwise_shape};
use super::{expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, Element, ShapeDtype};
use crate::backend::cpu::elementwise::zip_map;
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

/// A comparison. Operands share a dtype; shapes are equal or one side is 0-d. The output is
/// bool. Floats compare as IEEE values (NaN is unequal to everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `x == y`.
    Eq,
    /// `x != y`.
    Ne,
    /// `x < y`.
    Lt,
    /// `x <= y`.
    Le,
    /// `x > y`.
    Gt,
    /// `x >= y`.
    Ge,
}

impl PrimitiveRule for CompareOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        _out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let direction = match self {
            CompareOp::Eq => "EQ",
            CompareOp::Ne => "NE",
            CompareOp::Lt => "LT",
            CompareOp::Le => "LE",
            CompareOp::Gt => "GT",
            CompareOp::Ge => "GE",
        };
        Ok(vec![cx.compare(direction, &args[0], &args[1])])
    }

    fn name(&self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 2);
        let shape = elementwise_shape(self.name(), args);
        common_dtype(self.name(), args);
        vec![ShapeDtype::new(shape, DType::Bool)]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let (x, y) = (args[0], args[1]);
        let result: Vec<bool> = crate::with_real_dtype!(x.dtype(), T => compare::<T>(*self, x.as_slice(), y.as_slice()),
            _ => crate::with_complex_dtype!(x.dtype(), T => match self {
                CompareOp::Eq => zip_map(x.as_slice::<T>(), y.as_slice::<T>(), |a, b| a == b),
                CompareOp::Ne => zip_map(x.as_slice::<T>(), y.as_slice::<T>(), |a, b| a != b),
                _ => super::complex_unsupported(self.name(), x.dtype()),
            }, _ => super::complex_unsupported(self.name(), x.dtype())));
        vec![Array::from_storage(
            bool::into_storage(result),
            out[0].shape.clone(),
        )]
    }

    /// Boolean outputs have no tangent.
    fn jvp(
        &self,
        primals: &[&Array],
        _tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        rules::zero_jvp(*self, primals)
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        rules::elementwise_batch(*self, args, dims, axis_size)
    }
}

fn compare<T: Element>(op: CompareOp, x: &[T], y: &[T]) -> Vec<bool> {
    match op {
        CompareOp::Eq => zip_map(x, y, |a, b| a == b),
        CompareOp::Ne => zip_map(x, y, |a, b| a != b),
        CompareOp::Lt => zip_map(x, y, |a, b| a < b),
        CompareOp::Le => zip_map(x, y, |a, b| a <= b),
        CompareOp::Gt => zip_map(x, y, |a, b| a > b),
        CompareOp::Ge => zip_map(x, y, |a, b| a >= b),
    }
}
