//! The `iota` primitive: position along one axis, the building block of index arithmetic
//! (`arange`, `tril`, one-hot encodings, strided gathers).

use super::rules::py_tuple;
use super::{bind, describe, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, Shape, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

/// `iota(dtype, shape, dimension)`: an array of `shape` whose element at index `i` is
/// `i[dimension]` converted to `dtype`. Takes no operands.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IotaOp {
    /// Element type of the result (numeric; not bool).
    pub dtype: DType,
    /// Shape of the result.
    pub shape: Shape,
    /// The axis whose position the elements hold.
    pub dimension: usize,
}

impl PrimitiveRule for IotaOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        _args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let out = ShapeDtype::new(out[0].shape.clone(), out[0].dtype);
        Ok(vec![cx.op(
            "stablehlo.iota",
            &[],
            &format!("iota_dimension = {} : i64", self.dimension),
            &out,
        )])
    }

    fn name(&self) -> &'static str {
        "iota"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        if !args.is_empty() {
            panic!("iota: expected no operands, got {}", describe(args));
        }
        if self.dimension >= self.shape.ndim() {
            panic!(
                "iota: dimension {} is out of range for shape {}",
                self.dimension, self.shape
            );
        }
        if self.dtype.is_bool() {
            panic!("iota: dtype must be numeric, got bool");
        }
        vec![ShapeDtype::new(self.shape.clone(), self.dtype)]
    }

    fn eval(&self, _args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let d = self.dimension;
        let len = self.shape[d];
        let outer: usize = self.shape[..d].iter().product();
        let inner: usize = self.shape[d + 1..].iter().product();
        let storage = crate::with_dtype!(self.dtype, T => {
            let mut v: Vec<T> = Vec::with_capacity(self.shape.size());
            for _ in 0..outer {
                for i in 0..len {
                    let x = T::from_i64(i as i64);
                    v.extend(std::iter::repeat_n(x, inner));
                }
            }
            T::into_storage(v)
        });
        vec![Array::from_storage(storage, out[0].shape.clone())]
    }

    /// `iota` has no operands, so no transformation ever reaches this with a tangent; it is the
    /// constant it computes, with a zero tangent.
    fn jvp(
        &self,
        primals: &[&Array],
        _tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        rules::zero_jvp(self.clone(), primals)
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    /// `vmap` never calls this: a batching rule needs a batched operand and `iota` has none,
    /// so the batch trace evaluates it directly. Called anyway, the result is the same for
    /// every lane: unbatched.
    fn batch(
        &self,
        args: &[&Array],
        _dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        (bind(self.clone(), args), vec![None])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("dimension", self.dimension.to_string()),
            ("dtype", self.dtype.name().into()),
            ("shape", py_tuple(&self.shape)),
            ("sharding", "None".into()),
        ]
    }
}
