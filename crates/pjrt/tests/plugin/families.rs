//! One property test per primitive family: random shapes and values, each primitive bound
//! directly, the plugin's result against the CPU executor's.

use crate::common::{agree, ints, normal, uniform};
use equinox_core::numpy as jnp;
use equinox_core::prims::binary::BinaryOp;
use equinox_core::prims::compare::CompareOp;
use equinox_core::prims::convert::ConvertOp;
use equinox_core::prims::dot_general::{DotDimensionNumbers, DotGeneral};
use equinox_core::prims::fma::FmaOp;
use equinox_core::prims::iota::IotaOp;
use equinox_core::prims::layout::LayoutOp;
use equinox_core::prims::prng::PrngOp;
use equinox_core::prims::reduce::{ArgKind, ReduceKind, ReduceOp};
use equinox_core::prims::select::SelectOp;
use equinox_core::prims::slicing::SlicingOp;
use equinox_core::prims::sort::SortOp;
use equinox_core::prims::special::SpecialOp;
use equinox_core::prims::unary::UnaryOp;
use equinox_core::prims::{bind, bind1, Primitive};
use equinox_core::transforms::{grad, jvp};
use equinox_core::{lax, Array, DType};
use proptest::prelude::*;
use smallvec::smallvec;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 6,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..5, 0..4)
}

fn unary(op: UnaryOp, x: &Array, rtol: f64, atol: f64) {
    let prim = Primitive::from(op);
    agree(
        &format!("{op:?} on {}", x.aval()),
        |x: &Array| bind1(prim.clone(), &[x]),
        x,
        rtol,
        atol,
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn unary_family(shape in shape(), seed in 0u64..1000) {
        use UnaryOp::*;
        let x = normal(seed, &shape, DType::F32);
        let positive = uniform(seed, &shape, 0.1, 4.0);
        let unit = uniform(seed, &shape, -0.95, 0.95);
        for op in [Neg, Sign, Abs, Floor, Ceil, Round { to_nearest_even: true },
                   Round { to_nearest_even: false }, IsFinite, Exp, Exp2, Expm1, Log1p, Tanh,
                   Logistic, Sin, Cos, Tan, Atan, Sinh, Cosh, Asinh, Erf, Erfc, Cbrt,
                   IntegerPow(3), IntegerPow(-2), IntegerPow(0), Square, Copy, StopGradient] {
            unary(op, &x, 2e-6, 1e-6);
        }
        for op in [Log, Sqrt, Rsqrt, Lgamma, Digamma, Acosh, Polygamma(1)] {
            let input = if op == Acosh { &positive + 1.0 } else { positive.clone() };
            unary(op, &input, 1e-5, 1e-6);
        }
        for op in [Asin, Acos, Atanh, ErfInv] {
            unary(op, &unit, 1e-5, 1e-6);
        }
        let i = ints(seed, &shape, -1000, 1000, DType::I32);
        for op in [Neg, Sign, Abs, Not, PopulationCount, Clz, IntegerPow(2), Square] {
            unary(op, &i, 0.0, 0.0);
        }
        let b = jnp::greater(&i, &Array::scalar(0i32));
        unary(Not, &b, 0.0, 0.0);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn binary_family(shape in shape(), seed in 0u64..1000, scalar_rhs in any::<bool>()) {
        use BinaryOp::*;
        let x = normal(seed, &shape, DType::F32);
        let y = if scalar_rhs { Array::scalar(0.75f32) } else { normal(seed + 1, &shape, DType::F32) };
        for op in [Add, AddAny, Sub, Mul, Div, Rem, Max, Min, Atan2, Nextafter] {
            let prim = Primitive::from(op);
            agree(&format!("{op:?}"), |(x, y): &(Array, Array)| bind1(prim.clone(), &[x, y]),
                  &(x.clone(), y.clone()), 2e-6, 1e-6);
        }
        let base = uniform(seed, &shape, 0.1, 3.0);
        agree("Pow", |(x, y): &(Array, Array)| bind1(Pow, &[x, y]), &(base, x.clone()), 1e-5, 1e-6);
        let a = ints(seed, &shape, -1000, 1000, DType::I32);
        let b = ints(seed + 2, &shape, 1, 50, DType::I32);
        for op in [Add, Sub, Mul, Div, Rem, Max, Min, And, Or, Xor] {
            let prim = Primitive::from(op);
            agree(&format!("{op:?} i32"), |(x, y): &(Array, Array)| bind1(prim.clone(), &[x, y]),
                  &(a.clone(), b.clone()), 0.0, 0.0);
        }
        let amount = ints(seed + 3, &shape, 0, 32, DType::I32);
        for op in [ShiftLeft, ShiftRightLogical, ShiftRightArithmetic] {
            let prim = Primitive::from(op);
            agree(&format!("{op:?}"), |(x, y): &(Array, Array)| bind1(prim.clone(), &[x, y]),
                  &(a.clone(), amount.clone()), 0.0, 0.0);
        }
        let (p, q) = (jnp::greater(&a, &Array::scalar(0i32)), jnp::greater(&b, &Array::scalar(20i32)));
        for op in [And, Or, Xor, Max, Min] {
            let prim = Primitive::from(op);
            agree(&format!("{op:?} bool"), |(x, y): &(Array, Array)| bind1(prim.clone(), &[x, y]),
                  &(p.clone(), q.clone()), 0.0, 0.0);
        }
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn compare_and_select_families(shape in shape(), seed in 0u64..1000) {
        // Small integers as floats, so that ties are common.
        let x = ints(seed, &shape, -3, 3, DType::I32).astype(DType::F32);
        let y = ints(seed + 1, &shape, -3, 3, DType::I32).astype(DType::F32);
        let u = ints(seed, &shape, 0, 5, DType::U8);
        let v = ints(seed + 1, &shape, 0, 5, DType::U8);
        for op in [CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge] {
            let prim = Primitive::from(op);
            for (a, b) in [(&x, &y), (&u, &v)] {
                agree(&format!("{op:?}"), |(x, y): &(Array, Array)| bind1(prim.clone(), &[x, y]),
                      &(a.clone(), b.clone()), 0.0, 0.0);
            }
        }
        let pred = jnp::greater(&x, &y);
        agree("select_n bool", |(p, x, y): &(Array, Array, Array)| bind1(SelectOp::SelectN, &[p, x, y]),
              &(pred, x.clone(), y.clone()), 0.0, 0.0);
        let which = ints(seed + 2, &shape, 0, 3, DType::I32);
        let z = normal(seed + 3, &shape, DType::F32);
        agree("select_n int32", |(w, x, y, z): &(Array, Array, Array, Array)| bind1(SelectOp::SelectN, &[w, x, y, z]),
              &(which, x.clone(), y.clone(), z), 0.0, 0.0);
        agree("clamp", |x: &Array| bind1(SelectOp::Clamp, &[&Array::scalar(-1.5f32), x, &Array::scalar(2.0f32)]),
              &x, 0.0, 0.0);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn convert_family(shape in shape(), seed in 0u64..1000) {
        let x = normal(seed, &shape, DType::F32) * 100.0;
        for to in [DType::I32, DType::I8, DType::U8, DType::Bool, DType::F16, DType::BF16, DType::F64, DType::I64] {
            let prim = Primitive::from(ConvertOp::ConvertElementType { new_dtype: to, weak_type: false });
            agree(&format!("convert f32 -> {to}"), |x: &Array| bind1(prim.clone(), &[x]), &x, 0.0, 0.0);
        }
        let i = ints(seed, &shape, -300, 300, DType::I32);
        for to in [DType::F32, DType::Bool, DType::U8, DType::I16] {
            let prim = Primitive::from(ConvertOp::ConvertElementType { new_dtype: to, weak_type: false });
            agree(&format!("convert i32 -> {to}"), |x: &Array| bind1(prim.clone(), &[x]), &i, 0.0, 0.0);
        }
        agree("bitcast f32 -> u32", |x: &Array| bind1(ConvertOp::BitcastConvertType { new_dtype: DType::U32 }, &[x]),
              &x, 0.0, 0.0);
        agree("reduce_precision", |x: &Array| lax::reduce_precision(x, 5, 10), &x, 0.0, 0.0);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn layout_family(shape in prop::collection::vec(1usize..5, 1..4), seed in 0u64..1000) {
        let x = normal(seed, &shape, DType::F32);
        let n = shape.len();
        let mut target = vec![2usize];
        target.extend(&shape);
        let dims: Vec<usize> = (1..=n).collect();
        agree("broadcast_in_dim", |x: &Array| bind1(LayoutOp::BroadcastInDim {
            shape: target.clone().into(), broadcast_dimensions: dims.iter().copied().collect() }, &[x]), &x, 0.0, 0.0);
        let total: usize = shape.iter().product();
        agree("reshape", |x: &Array| bind1(LayoutOp::Reshape { new_sizes: vec![total].into() }, &[x]), &x, 0.0, 0.0);
        let perm: Vec<usize> = (0..n).rev().collect();
        agree("transpose", |x: &Array| bind1(LayoutOp::Transpose { permutation: perm.iter().copied().collect() }, &[x]), &x, 0.0, 0.0);
        agree("rev", |x: &Array| bind1(LayoutOp::Rev { dimensions: (0..n).step_by(2).collect() }, &[x]), &x, 0.0, 0.0);
        agree("expand_dims", |x: &Array| bind1(LayoutOp::ExpandDims { dimensions: smallvec![0] }, &[x]), &x, 0.0, 0.0);
        let one = x.reshape([1, total]);
        agree("squeeze", |x: &Array| bind1(LayoutOp::Squeeze { dimensions: smallvec![0] }, &[x]), &one, 0.0, 0.0);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn reduce_family(shape in prop::collection::vec(1usize..5, 1..4), seed in 0u64..1000, axis_mask in 1u8..8) {
        let n = shape.len();
        let axes: Vec<usize> = (0..n).filter(|a| axis_mask & (1 << a) != 0).collect();
        let axes = if axes.is_empty() { vec![0] } else { axes };
        let x = normal(seed, &shape, DType::F32);
        let i = ints(seed, &shape, -50, 50, DType::I32);
        let b = jnp::greater(&i, &Array::scalar(0i32));
        for kind in [ReduceKind::Sum, ReduceKind::Prod, ReduceKind::Max, ReduceKind::Min] {
            let prim = Primitive::from(ReduceOp::Reduce { kind, axes: axes.iter().copied().collect() });
            agree(&format!("{kind:?} f32 over {axes:?}"), |x: &Array| bind1(prim.clone(), &[x]), &x, 1e-6, 1e-6);
            agree(&format!("{kind:?} i32 over {axes:?}"), |x: &Array| bind1(prim.clone(), &[x]), &i, 0.0, 0.0);
        }
        for kind in [ReduceKind::And, ReduceKind::Or, ReduceKind::Xor, ReduceKind::Max, ReduceKind::Min] {
            let prim = Primitive::from(ReduceOp::Reduce { kind, axes: axes.iter().copied().collect() });
            agree(&format!("{kind:?} bool over {axes:?}"), |x: &Array| bind1(prim.clone(), &[x]), &b, 0.0, 0.0);
        }
        for kind in [ReduceKind::And, ReduceKind::Or, ReduceKind::Xor] {
            let prim = Primitive::from(ReduceOp::Reduce { kind, axes: axes.iter().copied().collect() });
            agree(&format!("{kind:?} i32 over {axes:?}"), |x: &Array| bind1(prim.clone(), &[x]), &i, 0.0, 0.0);
        }
        // Ties and NaNs: argmax/argmin take the first extreme, and NaN wins.
        let tied = ints(seed, &shape, 0, 3, DType::I32).astype(DType::F32);
        let with_nan = jnp::where_(&jnp::greater(&i, &Array::scalar(40i32)), &Array::scalar(f32::NAN), &tied);
        for kind in [ArgKind::Argmax, ArgKind::Argmin] {
            let prim = Primitive::from(ReduceOp::ArgReduce { kind, axis: n - 1, index_dtype: DType::I32 });
            for input in [&tied, &with_nan, &i] {
                agree(&format!("{kind:?}"), |x: &Array| bind1(prim.clone(), &[x]), input, 0.0, 0.0);
            }
        }
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn slicing_family(rows in 2usize..6, cols in 2usize..6, seed in 0u64..1000, start in -3i32..8) {
        let x = normal(seed, &[rows, cols], DType::F32);
        agree("slice", |x: &Array| bind1(SlicingOp::Slice {
            start_indices: smallvec![1, 0], limit_indices: smallvec![rows, cols], strides: smallvec![1, 2] }, &[x]), &x, 0.0, 0.0);
        // Start indices out of range clamp so the window fits.
        let idx = (Array::scalar(start), Array::scalar(start - 1));
        agree("dynamic_slice", |(x, (i, j)): &(Array, (Array, Array))| bind1(SlicingOp::DynamicSlice {
            slice_sizes: smallvec![2, 2] }, &[x, i, j]), &(x.clone(), idx.clone()), 0.0, 0.0);
        let update = normal(seed + 1, &[2, 1], DType::F32);
        agree("dynamic_update_slice", |(x, u, (i, j)): &(Array, Array, (Array, Array))|
              bind1(SlicingOp::DynamicUpdateSlice, &[x, u, i, j]), &(x.clone(), update, idx), 0.0, 0.0);
        agree("pad", |x: &Array| bind1(SlicingOp::Pad { padding_config: smallvec![(1, -1, 1), (0, 2, 0)] },
              &[x, &Array::scalar(-7.0f32)]), &x, 0.0, 0.0);
        let y = normal(seed + 2, &[rows, 3], DType::F32);
        agree("concatenate", |(x, y): &(Array, Array)| bind1(SlicingOp::Concatenate { dimension: 1 }, &[x, y, x]),
              &(x.clone(), y), 0.0, 0.0);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn iota_fma_and_dot_general(b in 1usize..4, m in 1usize..6, k in 1usize..6, n in 1usize..6, seed in 0u64..1000) {
        let iota = IotaOp { dtype: DType::I32, shape: vec![m, n].into(), dimension: 1 };
        agree("iota", |x: &Array| bind1(iota.clone(), &[]) + x, &Array::scalar(0i32), 0.0, 0.0);
        let (x, y, z) = (normal(seed, &[m, n], DType::F32), normal(seed + 1, &[m, n], DType::F32), normal(seed + 2, &[m, n], DType::F32));
        agree("fma", |(x, y, z): &(Array, Array, Array)| bind1(FmaOp, &[x, y, z]), &(x, y, z), 1e-6, 1e-6);
        let lhs = normal(seed, &[b, m, k], DType::F32);
        let rhs = normal(seed + 1, &[b, n, k], DType::F32);
        let batched = DotGeneral { dimension_numbers: DotDimensionNumbers::new((&[2], &[2]), (&[0], &[0])), preferred_element_type: None };
        agree("dot_general batched", |(l, r): &(Array, Array)| bind1(batched.clone(), &[l, r]), &(lhs.clone(), rhs.clone()), 1e-5, 1e-5);
        let outer = DotGeneral { dimension_numbers: DotDimensionNumbers::new((&[], &[]), (&[], &[])), preferred_element_type: None };
        agree("dot_general outer", |(l, r): &(Array, Array)| bind1(outer.clone(), &[l, r]), &(lhs.clone(), rhs.clone()), 1e-6, 1e-6);
        let li = ints(seed, &[m, k], -5, 5, DType::I32);
        let ri = ints(seed + 1, &[k, n], -5, 5, DType::I32);
        agree("matmul i32", |(l, r): &(Array, Array)| l.matmul(r), &(li, ri), 0.0, 0.0);
        let to_f32 = DotGeneral { dimension_numbers: DotDimensionNumbers::new((&[1], &[0]), (&[], &[])), preferred_element_type: Some(DType::F32) };
        let (lb, rb) = (normal(seed, &[m, k], DType::BF16), normal(seed + 1, &[k, n], DType::BF16));
        agree("dot_general bf16 -> f32", |(l, r): &(Array, Array)| bind1(to_f32.clone(), &[l, r]), &(lb, rb), 1e-5, 1e-5);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn control_flow_family(n in 1usize..6, seed in 0u64..1000, index in -2i32..4) {
        let x = normal(seed, &[n], DType::F32);
        agree("cond", |(p, x): &(Array, Array)| lax::cond(p, |x: &Array| x.sin(), |x: &Array| x * 3.0, x),
              &(Array::scalar(seed % 2 == 0), x.clone()), 1e-6, 1e-6);
        agree("switch (clamped index)", |(i, x): &(Array, Array)| lax::switch(i, &[
            &|x: &Array| x.sin(), &|x: &Array| x * 3.0, &|x: &Array| x.exp()], x),
              &(Array::scalar(index), x.clone()), 1e-6, 1e-6);
        agree("while_loop", |x: &Array| lax::while_loop(
            |(i, _): &(Array, Array)| jnp::less(i, &Array::scalar(5i32)),
            |(i, v): &(Array, Array)| (i + 1, v.cos() + v),
            &(Array::scalar(0i32), x.clone())).1, &x, 1e-5, 1e-6);
        agree("fori_loop", |x: &Array| lax::fori_loop(0, 4, |i: &Array, v: &Array| v * 0.5 + &i.astype(DType::F32), x), &x, 1e-6, 1e-6);
        let xs = normal(seed + 1, &[4, n], DType::F32);
        for reverse in [false, true] {
            agree(&format!("scan reverse={reverse}"), |(c, xs): &(Array, Array)| lax::scan_with_options(
                |c: &Array, x: &Array| (c * 0.9 + x, (c * x).sum(None)), c, xs,
                lax::ScanOptions { reverse, ..Default::default() }),
                  &(x.clone(), xs.clone()), 1e-5, 1e-6);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn gather_scatter_family(rows in 1usize..6, cols in 1usize..5, k in 1usize..6, seed in 0u64..1000) {
        use equinox_core::prims::gather_scatter::GatherScatterMode::*;
        let x = normal(seed, &[rows, cols], DType::F32);
        // Indices past both ends: each mode treats them its own way.
        let idx = ints(seed + 1, &[k], -2, rows as i64 + 2, DType::I32);
        let upd = normal(seed + 2, &[k, cols], DType::F32);
        for mode in [Clip, FillOrDrop] {
            agree(&format!("gather {mode:?}"), |(x, i): &(Array, Array)| x.at(vec![i.into()]).mode(mode).get(),
                  &(x.clone(), idx.clone()), 0.0, 0.0);
            agree(&format!("gather {mode:?} fill 3"), |(x, i): &(Array, Array)| x.at(vec![i.into()]).mode(mode).fill_value(3.0).get(),
                  &(x.clone(), idx.clone()), 0.0, 0.0);
            type Update = fn(&equinox_core::numpy::At<'_>, &Array) -> Array;
            let kinds: [(&str, Update); 5] = [
                ("set", |a, u| a.set(u)), ("add", |a, u| a.add(u)), ("mul", |a, u| a.mul(u)),
                ("min", |a, u| a.min(u)), ("max", |a, u| a.max(u))];
            for (name, update) in kinds {
                // Duplicate indices make `set` order-dependent; only the combining kinds see them.
                let idx = if name == "set" { jnp::arange(k as f64).astype(DType::I32) - 1 } else { idx.clone() };
                agree(&format!("scatter-{name} {mode:?}"), |(x, i, u): &(Array, Array, Array)| update(&x.at(vec![i.into()]).mode(mode), u),
                      &(x.clone(), idx, upd.clone()), 1e-6, 1e-6);
            }
        }
        let along = ints(seed + 3, &[rows, 2], 0, cols as i64, DType::I32);
        agree("take_along_axis", |(x, i): &(Array, Array)| jnp::take_along_axis(x, i, 1), &(x.clone(), along), 0.0, 0.0);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn conv_family(batch in 1usize..3, cin in 1usize..4, cout in 1usize..4, size in 3usize..7, seed in 0u64..1000, stride in 1usize..3) {
        use equinox_core::lax::ConvGeneralDilatedOptions;
        let x = normal(seed, &[batch, cin, size, size], DType::F32);
        let w = normal(seed + 1, &[cout, cin, 3, 2], DType::F32);
        agree("conv SAME", |(x, w): &(Array, Array)| lax::conv(x, w, &[stride, 1], "SAME"), &(x.clone(), w.clone()), 1e-5, 1e-5);
        agree("conv dilated", |(x, w): &(Array, Array)| lax::conv_general_dilated_with_options(
            x, w, &[1, stride], [(1, 0), (0, 2)], ConvGeneralDilatedOptions {
                lhs_dilation: Some(&[2, 1]), rhs_dilation: Some(&[1, 2]), ..Default::default() }),
              &(x.clone(), w.clone()), 1e-5, 1e-5);
        let grouped = normal(seed + 2, &[2 * cout, 1, 3, 3], DType::F32);
        let xg = normal(seed + 3, &[batch, 2, size, size], DType::F32);
        agree("conv grouped", |(x, w): &(Array, Array)| lax::conv_general_dilated_with_options(
            x, w, &[1, 1], "SAME", ConvGeneralDilatedOptions { feature_group_count: 2, ..Default::default() }),
              &(xg, grouped), 1e-5, 1e-5);
        // The gradients: transposed convolutions and batch-grouped kernel gradients.
        agree("grad conv", |(x, w): &(Array, Array)| grad(|(x, w): &(Array, Array)| lax::conv(x, w, &[stride, 1], "SAME").tanh().sum(None))(&(x.clone(), w.clone())),
              &(x, w), 1e-4, 1e-5);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn window_family(channels in 1usize..3, size in 2usize..8, seed in 0u64..1000) {
        // Small integers, so windows hold ties.
        let x = ints(seed, &[channels, size, size], -3, 3, DType::I32).astype(DType::F32);
        for padding in ["VALID", "SAME"] {
            agree(&format!("max_pool {padding}"), |x: &Array| lax::max_pool(x, &[2, 2], &[1, 2], padding), &x, 0.0, 0.0);
            agree(&format!("avg_pool {padding}"), |x: &Array| lax::avg_pool(x, &[2, 2], &[2, 1], padding), &x, 1e-6, 1e-6);
            agree(&format!("grad max_pool {padding}"), |x: &Array| grad(|x: &Array| (lax::max_pool(x, &[2, 2], &[1, 2], padding) * 1.5).sum(None))(x), &x, 0.0, 0.0);
            // Without ties: which tied element's tangent a window's max carries is XLA's choice
            // here (the last, as JAX gets on CPU), where our executor takes the first.
            let distinct = normal(seed + 1, &[channels, size, size], DType::F32);
            agree(&format!("jvp max_pool {padding}"), |(x, t): &(Array, Array)| jvp(|x: &Array| lax::max_pool(x, &[2, 2], &[2, 2], padding), x, t).1,
                  &(distinct, normal(seed, &[channels, size, size], DType::F32)), 0.0, 0.0);
        }
        let i = ints(seed, &[channels, size, size], -100, 100, DType::I32);
        agree("max_pool i32", |x: &Array| lax::max_pool(x, &[3, 1], &[1, 1], "SAME"), &i, 0.0, 0.0);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn sort_and_cumulative_family(rows in 1usize..4, cols in 1usize..7, seed in 0u64..1000) {
        // Ties, both zeros, NaNs of both signs and infinities: the float order's corners.
        let specials = Array::from_vec(vec![0.0f32, -0.0, f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1.0, 1.0], [8]);
        let x = jnp::concatenate(&[&ints(seed, &[rows * cols], -2, 3, DType::I32).astype(DType::F32), &specials], 0);
        for dtype in [DType::F32, DType::F64, DType::BF16, DType::F16] {
            let x = x.astype(dtype);
            agree(&format!("sort {dtype}"), |x: &Array| jnp::sort(x, 0), &x, 0.0, 0.0);
            agree(&format!("argsort {dtype}"), |x: &Array| jnp::argsort(x, 0), &x, 0.0, 0.0);
        }
        // Complex keys: real parts, then imaginary parts, with the same corners in both.
        let im = jnp::concatenate(&[&ints(seed + 3, &[rows * cols], -1, 2, DType::I32).astype(DType::F32), &jnp::flip(&specials, 0)], 0);
        for dtype in [DType::C64, DType::C128] {
            let z = lax::complex(&x, &im).astype(dtype);
            agree(&format!("sort {dtype}"), |x: &Array| jnp::sort(x, 0), &z, 0.0, 0.0);
            agree(&format!("argsort {dtype}"), |x: &Array| jnp::argsort(x, 0), &z, 0.0, 0.0);
        }
        let m = ints(seed, &[rows, cols], -3, 4, DType::I32);
        for dtype in [DType::I32, DType::U8, DType::Bool, DType::I64] {
            let m = m.astype(dtype);
            agree(&format!("sort {dtype} axis 0"), |x: &Array| jnp::sort(x, 0), &m, 0.0, 0.0);
            agree(&format!("argsort {dtype} axis 1"), |x: &Array| jnp::argsort(x, 1), &m, 0.0, 0.0);
        }
        // Two keys: lexicographic, a third operand carried along.
        let (a, b) = (ints(seed, &[cols], 0, 2, DType::I32), ints(seed + 1, &[cols], 0, 3, DType::I32).astype(DType::F32));
        let two_keys = SortOp::Sort { dimension: 0, is_stable: true, num_keys: 2 };
        agree("sort two keys", |(a, b, c): &(Array, Array, Array)| bind(two_keys.clone(), &[a, b, c]),
              &(a, b, normal(seed, &[cols], DType::F32)), 0.0, 0.0);
        let k = (seed as usize % cols) + 1;
        let t = ints(seed + 2, &[rows, cols], -2, 2, DType::I32).astype(DType::F32);
        agree("top_k", |x: &Array| jnp::top_k(x, k), &t, 0.0, 0.0);
        let f = normal(seed, &[rows, cols], DType::F32);
        for axis in [0, 1] {
            agree("cumsum", |x: &Array| jnp::cumsum(x, axis), &f, 1e-6, 1e-6);
            agree("cumprod", |x: &Array| jnp::cumprod(x, axis), &f, 1e-6, 1e-6);
            agree("cummax", |x: &Array| jnp::cummax(x, axis), &f, 0.0, 0.0);
            agree("cummin reverse", |x: &Array| lax::cummin(x, axis, true), &f, 0.0, 0.0);
            agree("cumsum i32 reverse", |x: &Array| lax::cumsum(x, axis, true), &m, 0.0, 0.0);
            agree("cummax bool", |x: &Array| jnp::cummax(x, axis), &m.astype(DType::Bool), 0.0, 0.0);
            agree("grad cumsum", |x: &Array| grad(|x: &Array| (jnp::cumsum(x, axis) * x).sum(None))(x), &f, 1e-5, 1e-6);
        }
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn prng_family(seed in 0u64..1000, n in 1usize..7) {
        use equinox_core::random::{self, Key};
        let key = random::key(seed);
        agree("bits", |k: &Key| random::bits(k.clone(), [n, 3]), &key, 0.0, 0.0);
        agree("uniform", |k: &Key| random::uniform(k.clone(), [n], DType::F32, -1.0, 2.0), &key, 0.0, 0.0);
        // The bits are exact; the plugin's `erf_inv` (another XLA version than JAX 0.10.2's,
        // which ours matches) may round the last bit differently.
        agree("normal", |k: &Key| random::normal(k.clone(), [n, 2], DType::F32), &key, 1e-6, 1e-7);
        agree("split and fold_in", |k: &Key| random::key_data(&random::split(random::fold_in(k.clone(), 7), [n])), &key, 0.0, 0.0);
        let words: Vec<Array> = (0..8).map(|i| ints(seed + i, &[n], 0, u32::MAX as i64, DType::U32)).collect();
        let block = |op: PrngOp, arity: usize| move |w: &Vec<Array>| bind(op.clone(), &w[..arity].iter().collect::<Vec<_>>());
        agree("threefry2x32", block(PrngOp::Threefry2x32, 4), &words, 0.0, 0.0);
        agree("threefry4x32", block(PrngOp::Threefry4x32, 8), &words, 0.0, 0.0);
        agree("philox2x32", block(PrngOp::Philox2x32, 3), &words, 0.0, 0.0);
        agree("philox4x32", block(PrngOp::Philox4x32, 6), &words, 0.0, 0.0);
        // A scalar key word broadcast against the counters.
        let mut scalar_key = words.clone();
        scalar_key[0] = Array::scalar(0xDEAD_BEEFu32);
        agree("philox4x32 with a scalar key word", block(PrngOp::Philox4x32, 6), &scalar_key, 0.0, 0.0);
        // JAX's other key implementations, through the public API.
        for implementation in [random::PrngImpl::Philox4x32, random::PrngImpl::Philox2x32, random::PrngImpl::Threefry4x32] {
            let key = random::key_with_options(seed, random::KeyOptions { implementation, ..Default::default() });
            agree(&format!("{implementation:?} split and bits"), |k: &Key| random::bits(random::split_vec(k.clone(), 2).pop().expect("two keys"), [n, 3]), &key, 0.0, 0.0);
        }
        for algorithm in [lax::RandomAlgorithm::ThreeFry, lax::RandomAlgorithm::Philox, lax::RandomAlgorithm::Default] {
            for dtype in [DType::U8, DType::U32, DType::U64] {
                let options = lax::RngBitGeneratorOptions { dtype, algorithm };
                let state = ints(seed, &[4], 0, u32::MAX as i64, DType::U32);
                agree(&format!("rng_bit_generator {algorithm} {dtype}"), |k: &Array| lax::rng_bit_generator_with_options(k, [n, 3], options), &state, 0.0, 0.0);
            }
        }
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn complex_and_fft_family(rows in 1usize..4, n in 1usize..9, seed in 0u64..1000) {
        use equinox_core::prims::fft::FftType;
        let (re, im) = (normal(seed, &[rows, n], DType::F32), normal(seed + 1, &[rows, n], DType::F32));
        let z = lax::complex(&re, &im);
        agree("complex", |(x, y): &(Array, Array)| lax::complex(x, y), &(re.clone(), im.clone()), 0.0, 0.0);
        agree("complex with a scalar", |x: &Array| lax::complex(x, &Array::scalar(2.0f32)), &re, 0.0, 0.0);
        agree("real, imag, conj", |z: &Array| (lax::real(z), lax::imag(z), lax::conj(z)), &z, 0.0, 0.0);
        agree("complex128 parts", |z: &Array| lax::conj(z) * z, &z.astype(DType::C128), 1e-12, 1e-12);
        let tol = 1e-5 * n as f64;
        for fft_type in [FftType::Fft, FftType::Ifft] {
            agree(&format!("{fft_type:?} 1d"), |z: &Array| lax::fft(z, fft_type, &[n]), &z, tol, tol);
            agree(&format!("{fft_type:?} 2d"), |z: &Array| lax::fft(z, fft_type, &[rows, n]), &z, tol, tol);
        }
        agree("rfft", |x: &Array| lax::fft(x, FftType::Rfft, &[n]), &re, tol, tol);
        agree("rfft 2d, f64", |x: &Array| lax::fft(x, FftType::Rfft, &[rows, n]), &re.astype(DType::F64), 1e-12, 1e-12);
        let half = lax::fft(&re, FftType::Rfft, &[n]);
        agree("irfft", |z: &Array| lax::fft(z, FftType::Irfft, &[n]), &half, tol, tol);
        agree("grad through rfft", |x: &Array| grad(|x: &Array| lax::real(&lax::fft(x, FftType::Rfft, &[n])).square().sum(None))(x), &re, tol, tol);
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn cholesky_and_triangular_solve_family(batch in 1usize..3, m in 1usize..6, n in 1usize..4, seed in 0u64..1000) {
        use equinox_core::prims::linalg::triangular_solve::TriangularSolve;
        let g = normal(seed, &[batch, m, m], DType::F32);
        // Positive definite: g gᵀ + m·I.
        let spd = g.matmul(&jnp::swapaxes(&g, -1, -2)) + jnp::eye(m) * m as f64;
        agree("cholesky", |x: &Array| lax::linalg::cholesky(x, false), &spd, 1e-5, 1e-5);
        let a = g + jnp::eye(m) * 4.0;
        let az = lax::complex(&a, &normal(seed + 1, &[batch, m, m], DType::F32));
        for left_side in [true, false] {
            let b_shape = if left_side { [batch, m, n] } else { [batch, n, m] };
            let b = normal(seed + 2, &b_shape, DType::F32);
            let bz = lax::complex(&b, &b);
            for bits in 0..16u32 {
                let p = TriangularSolve { left_side, lower: bits & 1 != 0, transpose_a: bits & 2 != 0,
                                          conjugate_a: bits & 4 != 0, unit_diagonal: bits & 8 != 0 };
                agree(&format!("{p:?}"), |(a, b): &(Array, Array)| bind1(p, &[a, b]), &(a.clone(), b.clone()), 1e-4, 1e-5);
                agree(&format!("{p:?} complex64"), |(a, b): &(Array, Array)| bind1(p, &[a, b]), &(az.clone(), bz.clone()), 1e-4, 1e-5);
            }
        }
        // A Cholesky solve and its gradient, as a Gaussian-process loss computes them.
        let rhs = normal(seed + 3, &[batch, m, 1], DType::F32);
        agree("grad of a Cholesky solve", |(s, r): &(Array, Array)| grad(|s: &Array| {
            let l = lax::linalg::cholesky(s, true);
            let options = lax::linalg::TriangularSolveOptions { left_side: true, lower: true, ..Default::default() };
            lax::linalg::triangular_solve_with(&l, r, options).square().sum(None)
        })(s), &(spd, rhs), 1e-3, 1e-4);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn decomposition_family(batch in 1usize..3, m in 1usize..7, n in 1usize..7, seed in 0u64..1000) {
        let g = normal(seed, &[batch, m, n], DType::F32);
        let gz = lax::complex(&g, &normal(seed + 1, &[batch, m, n], DType::F32));
        // QR and LU are deterministic (LAPACK's reflector signs, first-maximum pivots), so
        // the factors themselves agree.
        for (x, tol) in [(g.clone(), 1e-5), (g.astype(DType::F64), 1e-12), (gz.clone(), 1e-5)] {
            for full_matrices in [false, true] {
                agree(&format!("qr full={full_matrices} of {}", x.aval()), |x: &Array| lax::linalg::qr(x, full_matrices), &x, tol, tol);
            }
            agree(&format!("lu of {}", x.aval()), |x: &Array| lax::linalg::lu(x), &x, tol, tol);
        }
        // A singular matrix: LAPACK leaves the column under a zero pivot alone.
        let singular = jnp::ones([m, n]);
        agree("lu of ones", |x: &Array| lax::linalg::lu(x), &singular, 0.0, 0.0);
        // Eigenvectors are defined up to a phase, so eigh is compared by its eigenvalues and by
        // what the vectors rebuild: v diag(w) vᴴ and vᴴ v.
        let square = |x: &Array| lax::slice(x, &[0, 0, 0], &[batch, m, m], None);
        let rebuilt = move |lower: bool| move |x: &Array| {
            let (v, w) = lax::linalg::eigh(x, lower, false);
            let vh = jnp::conj(&jnp::swapaxes(&v, -1, -2));
            ((&v * &w.astype(v.dtype()).expand_dims(-2)).matmul(&vh), vh.matmul(&v), w)
        };
        let sym = |x: &Array| x + &jnp::conj(&jnp::swapaxes(x, -1, -2));
        let gm = normal(seed + 2, &[batch, m, m], DType::F32);
        for (x, tol) in [(sym(&gm), 1e-5), (sym(&gm.astype(DType::F64)), 1e-12), (sym(&square(&lax::complex(&gm, &gm.square()))), 1e-5)] {
            for lower in [true, false] {
                // Only the named triangle is read: the other is scrambled.
                let scrambled = if lower { &jnp::tril(&x, 0) + &jnp::triu(&jnp::ones_like(&x), 1) } else { &jnp::triu(&x, 0) - &jnp::tril(&jnp::ones_like(&x), -1) };
                agree(&format!("eigh lower={lower} of {}", x.aval()), rebuilt(lower), &scrambled, tol, tol * m as f64);
            }
        }
        let mut bad = sym(&gm).to_vec::<f32>();
        bad[0] = f32::NAN;
        agree("eigh of a matrix with a NaN", rebuilt(true), &Array::from_vec(bad, [batch, m, m]), 1e-5, 1e-5 * m as f64);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn svd_family(batch in 1usize..3, m in 1usize..7, n in 1usize..7, seed in 0u64..1000) {
        // Singular vectors are defined up to a phase (and within repeated values), so the SVD
        // is compared by its values and by what its vectors rebuild: u diag(s) vt, uᴴu, vt vtᴴ.
        let rebuilt = move |full_matrices: bool| move |x: &Array| {
            let (u, s, vt) = lax::linalg::svd(x, full_matrices);
            let k = s.shape()[s.ndim() - 1];
            let (uk, vtk) = (lax::slice_in_dim(&u, 0, k, 1, 2), lax::slice_in_dim(&vt, 0, k, 1, 1));
            let h = |y: &Array| jnp::conj(&jnp::swapaxes(y, -1, -2));
            ((&uk * &s.astype(u.dtype()).expand_dims(-2)).matmul(&vtk), h(&u).matmul(&u), vt.matmul(&h(&vt)), s)
        };
        let g = normal(seed, &[batch, m, n], DType::F32);
        let gz = lax::complex(&g, &normal(seed + 1, &[batch, m, n], DType::F32));
        // Rank one: repeated zero singular values, whose vectors the QR completes.
        let rank_one = jnp::ones([batch, m, n]);
        for (x, tol) in [(g.clone(), 1e-5), (g.astype(DType::F64), 1e-12), (gz, 1e-5), (rank_one, 1e-5)] {
            for full_matrices in [false, true] {
                agree(&format!("svd full={full_matrices} of {}", x.aval()), rebuilt(full_matrices), &x, tol, tol * (m + n) as f64);
            }
            agree(&format!("svd values of {}", x.aval()), |x: &Array| lax::linalg::svd_values(x), &x, tol, tol * (m + n) as f64);
        }
        let zero = jnp::zeros([batch, m, n]);
        agree("svd of zeros", rebuilt(true), &zero, 1e-6, 1e-6);
        let mut bad = g.to_vec::<f32>();
        bad[0] = f32::INFINITY;
        agree("svd of a matrix with an inf", rebuilt(false), &Array::from_vec(bad, [batch, m, n]), 1e-5, 1e-5 * (m + n) as f64);
    }
}

/// Past the small sizes above, where XLA's Jacobi expansion alone stops at about 1e-8 in
/// float64: the refinement brings the eigenvectors to working precision.
#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn eigh_of_a_larger_matrix_reaches_working_precision() {
    let g = normal(5, &[2, 48, 48], DType::F64);
    let a = &g + &jnp::swapaxes(&g, -1, -2);
    agree(
        "eigh 48x48 f64",
        |x: &Array| {
            let (v, w) = lax::linalg::eigh(x, true, false);
            let vt = jnp::swapaxes(&v, -1, -2);
            ((&v * &w.expand_dims(-2)).matmul(&vt), vt.matmul(&v), w)
        },
        &a,
        1e-12,
        1e-12,
    );
}

/// Each special function of `prims::special` on `args`, plugin against CPU executor.
fn special(op: SpecialOp, args: &[&Array], rtol: f64, atol: f64) {
    let what = format!("{op:?} on {}", args[0].aval());
    let prim = Primitive::from(op);
    let owned: Vec<Array> = args.iter().map(|a| (*a).clone()).collect();
    agree(
        &what,
        move |xs: &Vec<Array>| {
            let refs: Vec<&Array> = xs.iter().collect();
            bind1(prim.clone(), &refs)
        },
        &owned,
        rtol,
        atol,
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn special_family(shape in shape(), seed in 0u64..1000, wide in any::<bool>()) {
        use SpecialOp::*;
        let dtype = if wide { DType::F64 } else { DType::F32 };
        let (rtol, atol) = if wide { (1e-11, 1e-13) } else { (2e-5, 1e-6) };
        let u = |s: u64, lo: f64, hi: f64| uniform(seed * 7 + s, &shape, lo, hi).astype(dtype);
        // Both sides of the series / continued-fraction switch (x against a and 1).
        let (a, x) = (u(1, 0.05, 6.0), u(2, 0.0, 12.0));
        for op in [Igamma, Igammac, IgammaGradA, RandomGammaGrad] {
            special(op, &[&a, &x], rtol, atol);
        }
        let (p, q, t) = (u(3, 0.1, 5.0), u(4, 0.1, 5.0), u(5, 0.0, 1.0));
        special(RegularizedIncompleteBeta, &[&p, &q, &t], rtol * 10.0, atol * 10.0);
        let (s, v) = (u(6, 1.1, 6.0), u(7, 0.2, 4.0));
        special(Zeta, &[&s, &v], rtol, atol);
        let m = ints(seed + 8, &shape, 0, 4, DType::I32).astype(dtype);
        special(Polygamma, &[&m, &v], rtol, atol);
        let z = u(9, -20.0, 20.0);
        special(BesselI0e, &[&z], rtol, atol);
        special(BesselI1e, &[&z], rtol, atol);
    }
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn special_functions_at_their_edges() {
    use SpecialOp::*;
    for dtype in [DType::F32, DType::F64, DType::BF16, DType::F16] {
        let edges = [
            0.0,
            -0.0,
            -1.0,
            1.0,
            0.5,
            30.0,
            200.0,
            f64::INFINITY,
            f64::NAN,
            1e-30,
        ];
        let n = edges.len();
        let a = Array::from_vec(edges.repeat(n), [n * n]).astype(dtype);
        let x = Array::from_vec(
            edges.iter().flat_map(|&e| vec![e; n]).collect::<Vec<_>>(),
            [n * n],
        )
        .astype(dtype);
        // Looser for the narrow types: at a = x = 200, `a ln x - x - lgamma(a)` cancels three
        // digits, so one ulp of XLA's lgamma against ours moves f32's result by 6e-5.
        let (rtol, atol) = match dtype {
            DType::F64 => (1e-11, 1e-13),
            DType::F32 => (2e-4, 1e-6),
            _ => (1e-2, 1e-3),
        };
        for op in [
            Igamma,
            Igammac,
            IgammaGradA,
            RandomGammaGrad,
            Zeta,
            Polygamma,
        ] {
            special(op, &[&a, &x], rtol, atol);
        }
        let t = jnp::clip(
            &x,
            Some(&Array::scalar(0.0f32)),
            Some(&Array::scalar(1.0f32)),
        )
        .astype(dtype);
        special(RegularizedIncompleteBeta, &[&a, &x, &t], rtol, atol);
        special(RegularizedIncompleteBeta, &[&a, &a, &t], rtol, atol);
        special(BesselI0e, &[&x], rtol, atol);
        special(BesselI1e, &[&x], rtol, atol);
        // 0-d operands broadcast against full ones.
        special(
            Igamma,
            &[&Array::scalar(2.5f64).astype(dtype), &x],
            rtol,
            atol,
        );
    }
}
