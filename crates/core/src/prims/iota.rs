//! The `iota` primitive: position along one axis, the building block of index arithmetic
//! (`arange`, `tril`, one-hot encodings, strided gathers).

use super::{describe, PrimitiveRule};
use crate::array::{Array, DType, Element, Shape, ShapeDtype};

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
}
