//! The PRNG primitives: the `threefry2x32` block function and `iota_2x32_shape`, the counter
//! generator JAX's partitionable PRNG feeds it (`jax/_src/random/threefry2x32.py`, `prng.py`).

use super::binary::elementwise_shape;
use super::{bind, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, DType, Shape, ShapeDtype};
use crate::backend::cpu::threefry::{iota_2x32, threefry2x32};

/// A PRNG primitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThreefryOp {
    /// `threefry2x32(k0, k1, x0, x1) -> (y0, y1)`: the 20-round Threefry-2x32 block cipher
    /// applied elementwise. All four operands are `uint32` with equal shapes, or 0-d (a scalar
    /// broadcast to the others); both outputs have the common shape.
    Threefry2x32,
    /// `iota_2x32_shape[shape]() -> (hi, lo)`: the high and low 32-bit words of a row-major
    /// 64-bit iota over `shape` (element `i` of the flattened output is the counter `i`).
    Iota2x32Shape {
        /// The output shape.
        shape: Shape,
    },
}

impl PrimitiveRule for ThreefryOp {
    fn name(&self) -> &'static str {
        match self {
            ThreefryOp::Threefry2x32 => "threefry2x32",
            ThreefryOp::Iota2x32Shape { .. } => "iota_2x32_shape",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        match self {
            ThreefryOp::Threefry2x32 => {
                expect_arity("threefry2x32", args, 4);
                if args.iter().any(|a| a.dtype != DType::U32) {
                    panic!(
                        "threefry2x32: all operands (k0, k1, x0, x1) must be uint32, got {}",
                        describe(args)
                    );
                }
                let shape = elementwise_shape("threefry2x32", args);
                let out = ShapeDtype::new(shape, DType::U32);
                vec![out.clone(), out]
            }
            ThreefryOp::Iota2x32Shape { shape } => {
                expect_arity("iota_2x32_shape", args, 0);
                let out = ShapeDtype::new(shape.clone(), DType::U32);
                vec![out.clone(), out]
            }
        }
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let shape = out[0].shape.clone();
        let (a, b) = match self {
            ThreefryOp::Threefry2x32 => {
                let s: Vec<&[u32]> = args.iter().map(|a| a.as_slice::<u32>()).collect();
                threefry2x32(s[0], s[1], s[2], s[3], shape.size())
            }
            ThreefryOp::Iota2x32Shape { .. } => iota_2x32(shape.size()),
        };
        vec![Array::from_vec(a, shape.clone()), Array::from_vec(b, shape)]
    }

    fn jvp(
        &self,
        primals: &[&Array],
        _tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        // Integer outputs: no tangents.
        rules::zero_jvp(self.clone(), primals)
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
        match self {
            ThreefryOp::Threefry2x32 => {
                rules::elementwise_batch(self.clone(), args, dims, axis_size)
            }
            // No operands, so nothing is ever batched; the outputs are the same in every lane.
            ThreefryOp::Iota2x32Shape { .. } => (bind(self.clone(), args), vec![None, None]),
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            ThreefryOp::Threefry2x32 => Vec::new(),
            ThreefryOp::Iota2x32Shape { shape } => vec![("shape", rules::py_tuple(shape))],
        }
    }
}
