//! The integer dtypes int8, int16, uint16 and uint64 against JAX 0.10.2
//! (`parity/integer_dtypes.py`): wrapping arithmetic, C-style division, shifts, bit ops,
//! comparisons, reductions, scans, sorting, indexing, casts to and from other dtypes
//! (out-of-range floats and NaN included), promotion, `iinfo` and printing.
//!
//! int8/int16/uint16 goldens come from JAX's default mode; uint64 needs x64 mode, where JAX's
//! index results (argmax, argsort) are int64. This library's index dtype is int32 in every mode,
//! so those rows expect int32 with the same values.

use equinox_core::{lax, numpy as jnp, promote_types, promote_types_weak, s, Array, DType};
use equinox_testing::golden::{number, sizes};
use equinox_testing::Golden;
use serde_json::Value;

fn golden() -> Golden {
    Golden::load("integer_dtypes")
}

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[&["dtypes"], &["promotion"]]);
}

fn dtype(v: &Value) -> DType {
    let name = v.as_str().expect("dtype name");
    DType::from_name(name).unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// An encoded array rebuilt exactly: integers from their JSON integers (uint64 above
/// `i64::MAX` included), floats through their widened values.
fn array(v: &Value) -> Array {
    let shape = sizes(&v["shape"]);
    let d = dtype(&v["dtype"]);
    let data = v["data"].as_array().expect("data list");
    match d {
        DType::Bool => Array::from_vec(data.iter().map(|x| x.as_bool().unwrap()).collect(), shape),
        DType::U64 => Array::from_vec(data.iter().map(|x| x.as_u64().unwrap()).collect(), shape),
        d if d.is_integer() => {
            let v: Vec<i64> = data.iter().map(|x| x.as_i64().unwrap()).collect();
            Array::from_vec(v, shape).astype(d)
        }
        d => {
            let v: Vec<f64> = data.iter().map(number).collect();
            Array::from_vec(v, shape).astype(d)
        }
    }
}

/// The call each golden case names (see `parity/integer_dtypes.py`), for operands of `d`.
fn call(name: &str, d: DType, a: &[Array]) -> Array {
    let x = || &a[0];
    let y = || &a[1];
    match name {
        "neg" => lax::neg(x()),
        "abs" => jnp::abs(x()),
        "sign" => lax::sign(x()),
        "bitwise_not" => lax::bitwise_not(x()),
        "population_count" => lax::population_count(x()),
        "clz" => lax::clz(x()),
        "square" => lax::square(x()),
        "integer_pow3" => lax::integer_pow(x(), 3),
        "add" => lax::add(x(), y()),
        "sub" => lax::sub(x(), y()),
        "mul" => lax::mul(x(), y()),
        "div" => lax::div(x(), y()),
        "rem" => lax::rem(x(), y()),
        "max" => lax::max(x(), y()),
        "min" => lax::min(x(), y()),
        "bitwise_and" => lax::bitwise_and(x(), y()),
        "bitwise_or" => lax::bitwise_or(x(), y()),
        "bitwise_xor" => lax::bitwise_xor(x(), y()),
        "eq" => lax::eq(x(), y()),
        "ne" => lax::ne(x(), y()),
        "lt" => lax::lt(x(), y()),
        "le" => lax::le(x(), y()),
        "gt" => lax::gt(x(), y()),
        "ge" => lax::ge(x(), y()),
        "mulhi" => lax::mulhi(x(), y()),
        "jnp_floor_divide" => jnp::floor_divide(x(), y()),
        "jnp_remainder" => jnp::remainder(x(), y()),
        "shift_left" => lax::shift_left(x(), y()),
        "shift_right_logical" => lax::shift_right_logical(x(), y()),
        "shift_right_arithmetic" => lax::shift_right_arithmetic(x(), y()),
        "sum" => jnp::sum(x(), None),
        "prod" => jnp::prod(x(), None),
        "max_all" => jnp::max(x(), None),
        "min_all" => jnp::min(x(), None),
        "argmax" => jnp::argmax(x(), None),
        "argmin" => jnp::argmin(x(), None),
        "cumsum" => jnp::cumsum(x(), None),
        "cumulative_sum" => jnp::cumulative_sum(x()),
        "cumprod" => jnp::cumprod(x(), None),
        "cummax" => lax::cummax(x(), 0, false),
        "sort" => jnp::sort(x(), -1),
        "argsort" => jnp::argsort(x(), -1),
        "mean" => jnp::mean(x(), None),
        "sum_axis1" => jnp::sum(x(), 1),
        "max_axis0" => jnp::max(x(), 0),
        "transpose" => jnp::transpose(x(), None),
        "concatenate" => jnp::concatenate(&[x(), y()], 0),
        "where" => jnp::where_(&jnp::greater(x(), y()), x(), y()),
        "take" => jnp::take(x(), &Array::from_vec(vec![9i32, 0, 3, 3], [4]), None),
        "scatter_add" => {
            let idx = Array::from_vec(vec![0i32, 2, 2], [3]);
            x().at(s![&idx]).add(lax::slice_in_dim(y(), 0, 3, 1, 0))
        }
        "arange" => jnp::arange(7i32).astype(d),
        "iota" => lax::iota(d, 5),
        "bitcast_same_width" => {
            let to = match d {
                DType::I8 => DType::U8,
                DType::I16 => DType::U16,
                DType::U16 => DType::I16,
                DType::U64 => DType::I64,
                other => panic!("no bitcast case for {other}"),
            };
            lax::bitcast_convert_type(x(), to)
        }
        "from_float32" | "from_int32" | "from_uint8" | "from_bool" => x().astype(d),
        n => match n.strip_prefix("astype_") {
            Some(target) => x().astype(DType::from_name(target).unwrap()),
            None => panic!("no call for golden case {n}"),
        },
    }
}

/// Exact equality of dtype, shape and values (NaN equals NaN).
fn assert_exact(got: &Array, want: &Array, what: &str) {
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    if want.dtype().is_float() {
        let (g, w) = (got.to_vec::<f64>(), want.to_vec::<f64>());
        let same = g
            .iter()
            .zip(&w)
            .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
        assert!(same, "{what}: got {g:?}, want {w:?}");
    } else {
        // Through u64 every integer (and bool) of every width is distinct and exact.
        assert_eq!(got.to_vec::<u64>(), want.to_vec::<u64>(), "{what}: values");
    }
}

#[test]
fn operations_match_jax_for_every_new_dtype() {
    let g = golden();
    let dtypes = g.section("dtypes");
    let mut names: Vec<&str> = dtypes.entries().map(|(k, _)| k).collect();
    names.sort();
    assert_eq!(names, ["int16", "int8", "uint16", "uint64"]);
    for (name, entry) in dtypes.entries() {
        let d = DType::from_name(name).unwrap();
        let x64 = entry["x64"].as_bool().unwrap();
        let cases = entry["cases"].as_array().unwrap();
        assert!(cases.len() > 60, "{name}: {} cases", cases.len());
        for case in cases {
            let cname = case["name"].as_str().unwrap();
            let args: Vec<Array> = case["args"].as_array().unwrap().iter().map(array).collect();
            let mut want = array(&case["out"]);
            // x64 mode's index dtype is int64; the library's is int32 (module docs).
            if x64 && matches!(cname, "argmax" | "argmin" | "argsort") {
                want = want.astype(DType::I32);
            }
            let got = call(cname, d, &args);
            assert_exact(&got, &want, &format!("{name} {cname}"));
        }

        let info = &entry["iinfo"];
        let i = jnp::iinfo(d);
        let as_i128 = |v: &Value| {
            v.as_i64()
                .map(i128::from)
                .or(v.as_u64().map(i128::from))
                .unwrap()
        };
        assert_eq!(i.min, as_i128(&info["min"]), "{name} iinfo.min");
        assert_eq!(i.max, as_i128(&info["max"]), "{name} iinfo.max");
        assert_eq!(
            i.bits as u64,
            info["bits"].as_u64().unwrap(),
            "{name} iinfo.bits"
        );
        assert_eq!(i.dtype, d);

        // repr of the first four operand values and of the last one as a 0-d array.
        let x = array(&cases[0]["args"][0]);
        let reprs = entry["repr"].as_array().unwrap();
        let head = lax::slice_in_dim(&x, 0, 4, 1, 0);
        let n = x.size();
        let last = lax::slice_in_dim(&x, n - 1, n, 1, 0).reshape(Vec::<usize>::new());
        assert_eq!(
            format!("{head:?}"),
            reprs[0].as_str().unwrap(),
            "{name} repr"
        );
        assert_eq!(
            format!("{last:?}"),
            reprs[1].as_str().unwrap(),
            "{name} 0-d repr"
        );
    }
    g.assert_sections_read(&["dtypes"]);
}

#[test]
fn promotion_of_the_new_dtypes_matches_jax() {
    let g = golden();
    let rows = g.section("promotion");
    assert_eq!(rows.len(), 4 * 13);
    for row in rows.iter() {
        let (a, b) = (dtype(&row[0]), dtype(&row[1]));
        let (want, want_result) = (dtype(&row[2]), dtype(&row[3]));
        assert_eq!(promote_types(a, b), want, "promote_types({a}, {b})");
        let x = jnp::zeros_dtype([1], a);
        let y = jnp::zeros_dtype([1], b);
        assert_eq!(
            jnp::result_type(&[&x, &y]).0,
            want_result,
            "result_type({a}, {b})"
        );
        assert_eq!(jnp::add(&x, &y).dtype(), want_result, "add({a}, {b})");
    }
    g.assert_sections_read(&["promotion"]);
}

#[test]
fn mixed_width_arithmetic_promotes_and_keeps_values() {
    // int8 + uint8 → int16 (JAX's lattice): -128 + 255 = 127 with no wraparound.
    let a = Array::from_vec(vec![-128i8, 127], [2]);
    let b = Array::from_vec(vec![255u8, 255], [2]);
    let s = &a + &b;
    assert_eq!(s.dtype(), DType::I16);
    assert_eq!(s.to_vec::<i16>(), vec![127, 382]);
    // uint16 + int16 → int32.
    let c = Array::from_vec(vec![65535u16], [1]);
    let d = Array::from_vec(vec![-32768i16], [1]);
    assert_eq!((&c + &d).dtype(), DType::I32);
    assert_eq!((&c + &d).to_vec::<i32>(), vec![32767]);
    // uint64 with a signed integer is float64, as in JAX's x64 mode (strong here, weak in
    // JAX: see tests/promotion.rs).
    let e = Array::from_vec(vec![u64::MAX], [1]);
    let f = Array::from_vec(vec![-1i8], [1]);
    let r = &e + &f;
    assert_eq!((r.dtype(), r.weak_type()), (DType::F64, false));
    assert_eq!(r.to_vec::<f64>(), vec![u64::MAX as f64 - 1.0]);
    assert_eq!(
        promote_types_weak(DType::U64, false, DType::I64, false),
        (DType::F64, false)
    );
    // Rust literals stay weak: an int8 array times 3 is int8 and wraps.
    let g = Array::from_vec(vec![100i8, -50], [2]) * 3;
    assert_eq!(g.dtype(), DType::I8);
    assert_eq!(g.to_vec::<i8>(), vec![44, 106]);
}

#[test]
fn uint64_values_above_i64_max_survive_casts_and_printing() {
    let big = Array::from_vec(vec![u64::MAX, 1u64 << 63, 12345678901234567890], [3]);
    assert_eq!(
        big.to_vec::<u64>(),
        vec![u64::MAX, 1u64 << 63, 12345678901234567890]
    );
    // Correctly rounded once, as XLA converts (goldens from JAX's x64 mode).
    assert_eq!(
        big.astype(DType::F32).to_vec::<f32>(),
        vec![1.8446744e19, 9.223372e18, 1.2345679e19]
    );
    assert_eq!(
        big.astype(DType::F64).to_vec::<f64>(),
        vec![
            1.8446744073709552e19,
            9.223372036854776e18,
            1.2345678901234567e19
        ]
    );
    // int → int wraps.
    assert_eq!(
        big.astype(DType::I64).to_vec::<i64>(),
        vec![-1, i64::MIN, -6101065172474983726]
    );
    assert_eq!(big.astype(DType::I8).to_vec::<i8>(), vec![-1, 0, -46]);
    assert_eq!(
        format!("{big:?}"),
        "Array([18446744073709551615,  9223372036854775808, 12345678901234567890],      dtype=uint64)"
    );
    assert_eq!(Array::scalar(u64::MAX).item::<u64>(), u64::MAX);
    assert_eq!(
        jnp::max(&big, None).item::<u64>(),
        u64::MAX,
        "max compares unsigned"
    );
}

#[test]
fn iinfo_rejects_non_integer_dtypes() {
    let err = std::panic::catch_unwind(|| jnp::iinfo(DType::F32)).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert_eq!(msg, "iinfo: float32 is not an integer dtype");
    assert_eq!(jnp::iinfo(DType::I16).min, -32768);
    assert_eq!(jnp::iinfo(DType::U16).max, 65535);
}
