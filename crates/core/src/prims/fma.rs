//! The fused multiply-add primitive `fma(x, y, z) = x * y + z` with a single rounding.
//!
//! JAX has no such primitive, but XLA's CPU backend contracts a multiply feeding an add into
//! one FMA instruction, and some results that must match JAX bit for bit depend on it (the
//! scaling in `jax.random.uniform`, `u * (maxval - minval) + minval`). Functions that need
//! those numerics bind `fma` explicitly.

use super::binary::BinaryOp;
use super::binary::{common_dtype, elementwise_shape};
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, ShapeDtype};
use crate::backend::cpu::elementwise::zip3_map;
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use num_traits::Float;

/// `fma(x, y, z)`: elementwise `x * y + z` rounded once. Float operands of one dtype with
/// equal shapes or 0-d. float16 and bfloat16 compute the FMA in float32 and round the result,
/// as XLA does on CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FmaOp;

impl PrimitiveRule for FmaOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        // StableHLO has no fused multiply-add; XLA contracts the pair where the target has
        // one, so results may differ from the CPU executor's single rounding by an ulp.
        let d = out[0].dtype;
        let product = cx.elementwise("stablehlo.multiply", &[&args[0], &args[1]], d);
        Ok(vec![cx.elementwise(
            "stablehlo.add",
            &[&product, &args[2]],
            d,
        )])
    }

    fn name(&self) -> &'static str {
        "fma"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("fma", args, 3);
        let shape = elementwise_shape("fma", args);
        let dtype = common_dtype("fma", args);
        if !dtype.is_float() {
            panic!(
                "fma: got {} but expected floating-point operands",
                describe(args)
            );
        }
        vec![ShapeDtype {
            shape,
            dtype,
            weak_type: args.iter().all(|a| a.weak_type),
        }]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let n = out[0].size();
        let storage = crate::with_float_dtype!(out[0].dtype, T => {
            T::into_storage(zip3_map(
                args[0].as_slice::<T>(),
                args[1].as_slice::<T>(),
                args[2].as_slice::<T>(),
                n,
                |x, y, z| x.mul_add(y, z),
            ))
        }, _ => unreachable!("abstract_eval rejects non-float fma"));
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    /// As for `x * y + z`: `tx * y + x * ty + tz` (built from `mul` and `add`, whose transposes
    /// then give reverse mode).
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        rules::jvp_from_partials(
            *self,
            primals,
            tangents,
            &[
                &|t, xyz, _| bind1(BinaryOp::Mul, &[t, xyz[1]]),
                &|t, xyz, _| bind1(BinaryOp::Mul, &[xyz[0], t]),
                &|t, _, _| t.clone(),
            ],
        )
    }

    /// Linear in `z`, and in one of `x`, `y` when the other is known: `ct_z = ct`,
    /// `ct_x = ct * y`, `ct_y = x * ct` (summed down to a 0-d operand's shape).
    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("one output");
        if args[0].is_linear() && args[1].is_linear() {
            rules::not_linear("fma of two tangents");
        }
        let un = |c: Array, i: usize| Some(rules::unbroadcast(&c, args[i].aval()));
        let ct_x = if args[0].is_linear() {
            un(bind1(BinaryOp::Mul, &[ct, args[1].known("fma")]), 0)
        } else {
            None
        };
        let ct_y = if args[1].is_linear() {
            un(bind1(BinaryOp::Mul, &[args[0].known("fma"), ct]), 1)
        } else {
            None
        };
        let ct_z = if args[2].is_linear() {
            un(ct.clone(), 2)
        } else {
            None
        };
        vec![ct_x, ct_y, ct_z]
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
