//! The thin `jax.lax` wrappers (elementwise, reductions, shapes) and the newer `jax.nn`
//! functions against JAX 0.10.2 (`parity/lax_breadth.py`): outputs, dtypes, shapes, and the
//! gradient of the sum in the first operand where the golden has one. Plus lax's refusal to
//! promote.

use crate::common;

use equinox_core::{lax, nn, Array, DType};
use equinox_testing::panics::panic_message;
use equinox_testing::{Golden, Tolerance};

fn i32s(v: i32) -> Array {
    Array::scalar(v)
}

/// The function each golden case names, applied to its operands.
fn call(name: &str, a: &[Array]) -> Vec<Array> {
    let x = || &a[0];
    let y = || &a[1];
    let one = |v: Array| vec![v];
    match name {
        "neg" => one(lax::neg(x())),
        "sign" => one(lax::sign(x())),
        "abs" | "abs_int" => one(lax::abs(x())),
        "floor" => one(lax::floor(x())),
        "ceil" => one(lax::ceil(x())),
        "round_away" => one(lax::round(x(), lax::RoundingMethod::AwayFromZero)),
        "round_even" => one(lax::round(x(), lax::RoundingMethod::ToNearestEven)),
        "is_finite" => one(lax::is_finite(x())),
        "exp" => one(lax::exp(x())),
        "exp2" => one(lax::exp2(x())),
        "log" => one(lax::log(x())),
        "log1p" => one(lax::log1p(x())),
        "expm1" => one(lax::expm1(x())),
        "tanh" => one(lax::tanh(x())),
        "logistic" => one(lax::logistic(x())),
        "sin" => one(lax::sin(x())),
        "cos" => one(lax::cos(x())),
        "tan" => one(lax::tan(x())),
        "asin" => one(lax::asin(x())),
        "acos" => one(lax::acos(x())),
        "atan" => one(lax::atan(x())),
        "sinh" => one(lax::sinh(x())),
        "cosh" => one(lax::cosh(x())),
        "asinh" => one(lax::asinh(x())),
        "acosh" => one(lax::acosh(x())),
        "atanh" => one(lax::atanh(x())),
        "sqrt" => one(lax::sqrt(x())),
        "rsqrt" => one(lax::rsqrt(x())),
        "cbrt" => one(lax::cbrt(x())),
        "square" => one(lax::square(x())),
        "reciprocal" => one(lax::reciprocal(x())),
        "integer_pow3" => one(lax::integer_pow(x(), 3)),
        "bitwise_not" => one(lax::bitwise_not(x())),
        "population_count" => one(lax::population_count(x())),
        "clz" => one(lax::clz(x())),
        "add" => one(lax::add(x(), y())),
        "sub" => one(lax::sub(x(), y())),
        "mul" => one(lax::mul(x(), y())),
        "div" | "div_int" => one(lax::div(x(), y())),
        "rem" | "rem_int" => one(lax::rem(x(), y())),
        "pow" => one(lax::pow(x(), y())),
        "max" => one(lax::max(x(), y())),
        "min" => one(lax::min(x(), y())),
        "atan2" => one(lax::atan2(x(), y())),
        "nextafter" => one(lax::nextafter(x(), y())),
        "bitwise_and" => one(lax::bitwise_and(x(), y())),
        "bitwise_or" => one(lax::bitwise_or(x(), y())),
        "bitwise_xor" => one(lax::bitwise_xor(x(), y())),
        "shift_left" => one(lax::shift_left(x(), y())),
        "shift_right_logical" => one(lax::shift_right_logical(x(), y())),
        "shift_right_arithmetic" => one(lax::shift_right_arithmetic(x(), y())),
        "eq" => one(lax::eq(x(), y())),
        "ne" => one(lax::ne(x(), y())),
        "lt" => one(lax::lt(x(), y())),
        "le" => one(lax::le(x(), y())),
        "gt" => one(lax::gt(x(), y())),
        "ge" => one(lax::ge(x(), y())),
        "select" => one(lax::select(x(), y(), &a[2])),
        "select_n" => one(lax::select_n(x(), &[y(), &a[2], &a[3]])),
        "clamp" => one(lax::clamp(
            &Array::scalar(-1.0f32),
            x(),
            &Array::scalar(1.0f32),
        )),
        "convert_f32_i32" => one(lax::convert_element_type(x(), DType::I32)),
        "reduce_sum" => one(lax::reduce_sum(x(), &[0, 2])),
        "reduce_prod" => one(lax::reduce_prod(x(), &[1])),
        "reduce_max" => one(lax::reduce_max(x(), &[2])),
        "reduce_min" => one(lax::reduce_min(x(), &[0, 1])),
        "reduce_and" => one(lax::reduce_and(x(), &[1])),
        "reduce_or" => one(lax::reduce_or(x(), &[1])),
        "reduce_xor" => one(lax::reduce_xor(x(), &[0])),
        "argmax" => one(lax::argmax(x(), 1, DType::I32)),
        "argmin" => one(lax::argmin(x(), 2, DType::I32)),
        "cumsum" => one(lax::cumsum(x(), 2, false)),
        "cumsum_rev" => one(lax::cumsum(x(), 1, true)),
        "cumprod" => one(lax::cumprod(x(), 0, false)),
        "cummax" => one(lax::cummax(x(), 2, false)),
        "cummin" => one(lax::cummin(x(), 1, true)),
        "cumlogsumexp" => one(lax::cumlogsumexp(x(), 2, false)),
        "cumlogsumexp_rev" => one(lax::cumlogsumexp(x(), 1, true)),
        "sort" => one(lax::sort(x(), 0, true)),
        "sort_key_val" => {
            let (k, v) = lax::sort_key_val(x(), y(), 0, true);
            vec![k, v]
        }
        "top_k" => {
            let (v, i) = lax::top_k(x(), 2);
            vec![v, i]
        }
        "reshape" => one(lax::reshape(x(), &[4, 6], None)),
        "reshape_dims" => one(lax::reshape(x(), &[6, 4], Some(&[2, 0, 1]))),
        "transpose" => one(lax::transpose(x(), &[2, 0, 1])),
        "rev" => one(lax::rev(x(), &[0, 2])),
        "squeeze" => one(lax::squeeze(x(), &[0, 2])),
        "expand_dims" => one(lax::expand_dims(x(), &[0, 2])),
        "broadcast" => one(lax::broadcast(x(), &[2])),
        "broadcast_in_dim" => one(lax::broadcast_in_dim(x(), &[3, 6], &[1])),
        "collapse" => one(lax::collapse(x(), 1, 3)),
        "index_in_dim" => one(lax::index_in_dim(x(), -1, 1, false)),
        "dynamic_index_in_dim" => one(lax::dynamic_index_in_dim(x(), &i32s(1), 2, true)),
        "dynamic_update_slice_in_dim" => {
            one(lax::dynamic_update_slice_in_dim(x(), y(), &i32s(2), 2))
        }
        "dynamic_update_index_in_dim" => {
            one(lax::dynamic_update_index_in_dim(x(), y(), &i32s(1), 1))
        }
        "full" => one(lax::full(
            &[2, 3],
            &Array::weak_scalar(1.5),
            Some(DType::F32),
        )),
        "full_like" => one(lax::full_like(x(), &Array::weak_scalar(2.0), None, None)),
        "tile" => one(lax::tile(x(), &[2, 1])),
        "split" => lax::split(x(), &[1, 3], 2),
        "dot" => one(lax::dot(x(), y(), None)),
        "batch_matmul" => one(lax::batch_matmul(x(), y(), None)),
        "mulhi_i32" | "mulhi_u32" | "mulhi_u8" => one(lax::mulhi(x(), y())),
        "bitcast_f32_i32" => one(lax::bitcast_convert_type(x(), DType::I32)),
        "bitcast_i32_f32" => one(lax::bitcast_convert_type(x(), DType::F32)),
        "bitcast_f32_u8" => one(lax::bitcast_convert_type(x(), DType::U8)),
        "scatter_sub" => {
            let dn = lax::ScatterDimensionNumbers {
                update_window_dims: [][..].into(),
                inserted_window_dims: [0][..].into(),
                scatter_dims_to_operand_dims: [0][..].into(),
                ..Default::default()
            };
            let idx = Array::from_vec(vec![1i32, 3, 1], [3, 1]);
            one(lax::scatter_sub(
                x(),
                &idx,
                y(),
                dn,
                lax::GatherScatterMode::FillOrDrop,
            ))
        }
        "broadcast_to_rank" => one(lax::broadcast_to_rank(x(), 3)),
        "optimization_barrier" => lax::optimization_barrier(&[x()]),
        "associative_scan_add" => lax::associative_scan(
            |a, b| vec![lax::add(&a[0], &b[0])],
            &[x().clone()],
            false,
            2,
        ),
        "associative_scan_max_rev" => {
            lax::associative_scan(|a, b| vec![lax::max(&a[0], &b[0])], &[x().clone()], true, 1)
        }
        "associative_scan_affine" => lax::associative_scan(
            |p, q| {
                vec![
                    lax::mul(&p[0], &q[0]),
                    lax::add(&lax::mul(&p[1], &q[0]), &q[1]),
                ]
            },
            &[x().clone(), y().clone()],
            true,
            0,
        ),
        "index_take" => {
            let i0 = Array::from_vec(vec![0i32, 1, -1, 3], [4]);
            let i1 = Array::from_vec(vec![2i32, -1, 0, 5], [4]);
            one(lax::index_take(x(), &[&i0, &i1], &[0, 2]))
        }
        "conv_with_general_padding" => one(lax::conv_with_general_padding(
            x(),
            y(),
            &[2, 1],
            vec![(1, 0), (2, 1)],
            Some(&[1, 2]),
            Some(&[2, 1]),
            None,
        )),
        "nn_identity" => one(nn::identity(x())),
        "nn_tanh" => one(nn::tanh(x())),
        "nn_squareplus" => one(nn::squareplus(x())),
        "nn_squareplus_b" => one(nn::squareplus_with(x(), 0.5)),
        "nn_sparse_plus" => one(nn::sparse_plus(x())),
        "nn_sparse_sigmoid" => one(nn::sparse_sigmoid(x())),
        "nn_log1mexp" => one(nn::log1mexp(x())),
        "nn_logmeanexp" => one(nn::logmeanexp(x(), 1, false)),
        "nn_logmeanexp_all" => one(nn::logmeanexp(x(), (), true)),
        other => panic!("no function for golden case {other}"),
    }
}

fn tol(dtype: &str) -> Tolerance {
    match dtype {
        "float32" => Tolerance::new(4e-6, 1e-6),
        _ => Tolerance::EXACT,
    }
}

#[test]
fn values_and_grads_match_jax() {
    let g = Golden::load("lax_breadth");
    let failures = common::check_golden_cases(&g, call, |_, dtype| tol(dtype));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    check_shape_functions(&g);
    g.assert_all_read();
}

/// The pure shape functions (`broadcast_shapes`, `conv_shape_tuple`,
/// `reduce_window_shape_tuple`, `dtype`).
fn check_shape_functions(g: &Golden) {
    let s = g.section("shape_functions");
    let want = |k: &str| equinox_testing::golden::sizes(s.get(k));
    assert_eq!(
        lax::broadcast_shapes(&[&[2, 1, 3], &[4, 1], &[1]]),
        want("broadcast_shapes")
    );
    assert_eq!(
        lax::conv_shape_tuple(
            &[8, 3, 32, 30],
            &[16, 3, 5, 4],
            &[2, 3],
            &[(1, 2), (0, 0)],
            1
        ),
        want("conv_shape_tuple")
    );
    assert_eq!(
        lax::conv_shape_tuple(&[8, 3, 9, 9], &[16, 3, 3, 3], &[1, 1], &[(0, 0), (1, 1)], 2),
        want("conv_shape_tuple_groups")
    );
    assert_eq!(
        lax::reduce_window_shape_tuple(&[10, 7], &[3, 2], &[2, 1], &[(1, 0), (0, 2)], None, None),
        want("reduce_window_shape_tuple")
    );
    assert_eq!(
        lax::reduce_window_shape_tuple(
            &[10, 7],
            &[3, 2],
            &[2, 1],
            &[(1, 0), (0, 2)],
            Some(&[2, 1]),
            Some(&[1, 3])
        ),
        want("reduce_window_shape_tuple_dilated")
    );
    let d = lax::dtype(&Array::from_vec(vec![1i32, 2], [2]));
    assert_eq!(d.to_string(), s.get("dtype").as_str().unwrap());
}

#[test]
fn mulhi_int64_matches_128_bit_products() {
    let xs = [
        0i64,
        1,
        -1,
        i64::MAX,
        i64::MIN,
        0x1234_5678_9abc_def0,
        -987_654_321_012_345,
    ];
    let ys = [
        5i64,
        -1,
        -1,
        i64::MAX,
        i64::MIN,
        -0x0fed_cba9_8765_4321,
        123_456_789_012_345_678,
    ];
    let got = lax::mulhi(
        &Array::from_vec(xs.to_vec(), [7]),
        &Array::from_vec(ys.to_vec(), [7]),
    );
    let want: Vec<i64> = xs
        .iter()
        .zip(&ys)
        .map(|(&a, &b)| ((a as i128 * b as i128) >> 64) as i64)
        .collect();
    assert_eq!(got.to_vec::<i64>(), want);
}

#[test]
fn lax_binary_functions_do_not_promote() {
    let x = Array::from_vec(vec![1.0f32, 2.0], [2]);
    let i = Array::from_vec(vec![1i32, 2], [2]);
    let msg = panic_message(|| {
        lax::add(&x, &i);
    });
    assert_eq!(
        msg,
        "lax.add requires arguments to have the same dtypes, got float32, int32."
    );
    let msg = panic_message(|| {
        lax::lt(&i, &x);
    });
    assert_eq!(
        msg,
        "lax.lt requires arguments to have the same dtypes, got int32, float32."
    );
    // A Rust scalar is weakly typed and takes the array's dtype, as a Python scalar does.
    let y = lax::mul(&x, &Array::weak_scalar(3.0));
    assert_eq!(y.dtype(), DType::F32);
    assert_eq!(y.to_vec::<f32>(), vec![3.0, 6.0]);
    let msg = panic_message(|| {
        lax::exp(&i);
    });
    assert!(msg.starts_with("exp: got i32[2]"), "{msg}");
}

#[test]
fn bitcast_widens_back_what_it_narrowed() {
    let x = Array::from_vec(vec![-0.3f32, 1.5e-30, f32::INFINITY], [3]);
    let bytes = lax::bitcast_convert_type(&x, DType::U8);
    assert_eq!(bytes.shape(), &[3, 4]);
    assert_eq!(&bytes.to_vec::<u8>()[..4], &(-0.3f32).to_le_bytes());
    let back = lax::bitcast_convert_type(&bytes, DType::F32);
    assert_eq!(back.to_vec::<f32>(), x.to_vec::<f32>());
    let d = Array::from_vec(vec![-2.5f64, 1e300], [2]);
    let words = lax::bitcast_convert_type(&d, DType::U32);
    let w = words.to_vec::<u32>();
    assert_eq!(w[0] as u64 | (w[1] as u64) << 32, (-2.5f64).to_bits());
    assert_eq!(
        lax::bitcast_convert_type(&words, DType::F64).to_vec::<f64>(),
        vec![-2.5, 1e300]
    );
}
