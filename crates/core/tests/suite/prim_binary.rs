//! Elementwise binary primitives and comparisons against naive references, at the primitive
//! level (equal shapes or 0-d operands) and through the numpy layer (broadcasting, promotion).
//! Covers every dtype each op accepts, integer wrapping, XLA's division-by-zero, INT_MIN / -1 and
//! shift-overflow rules, and NaN/±0/inf behaviour of floats.
use crate::common;

use common::*;
use equinox_core::numpy as jnp;
use equinox_core::prims::binary::BinaryOp;
use equinox_core::prims::bind1;
use equinox_core::prims::compare::CompareOp;
use equinox_core::{bf16, f16, Array, DType, ALL_DTYPES};
use equinox_testing::golden::encoded;
use equinox_testing::Golden;
use serde_json::Value;

fn random_shape(rng: &mut Rng) -> Vec<usize> {
    let nd = rng.range(0, 4) as usize;
    rng.shape(nd, 5)
}

/// Operand shapes for a primitive: equal, or one side 0-d.
fn prim_shapes(rng: &mut Rng) -> (Vec<usize>, Vec<usize>) {
    let s = random_shape(rng);
    match rng.range(0, 4) {
        0 => (vec![], s),
        1 => (s, vec![]),
        _ => (s.clone(), s),
    }
}

/// Values of either operand at output position `i` (0-d operands broadcast).
fn at<T: Copy>(v: &[T], i: usize) -> T {
    if v.len() == 1 {
        v[0]
    } else {
        v[i]
    }
}

/// Number of output elements: the non-scalar operand's size (either, when shapes are equal).
fn out_len(a: usize, b: usize, sa: &[usize]) -> usize {
    if sa.is_empty() {
        b
    } else {
        a
    }
}

fn float_operand(rng: &mut Rng, shape: &[usize], d: DType) -> Array {
    let t = special_floats(rng, shape, d);
    relayout(rng, &t)
}

fn int_operand(rng: &mut Rng, shape: &[usize], d: DType) -> Array {
    let t = random_ints(rng, shape, d);
    relayout(rng, &t)
}

fn max_ref(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_positive() {
            a
        } else {
            b
        }
    } else {
        a.max(b)
    }
}

fn min_ref(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else {
        a.min(b)
    }
}

/// The bit pattern of `v` in a float dtype, and back.
fn to_bits(d: DType, v: f64) -> u64 {
    match d {
        DType::F16 => f16::from_f64(v).to_bits() as u64,
        DType::BF16 => bf16::from_f64(v).to_bits() as u64,
        DType::F32 => (v as f32).to_bits() as u64,
        _ => v.to_bits(),
    }
}
fn from_bits(d: DType, b: u64) -> f64 {
    match d {
        DType::F16 => f16::from_bits(b as u16).to_f64(),
        DType::BF16 => bf16::from_bits(b as u16).to_f64(),
        DType::F32 => f32::from_bits(b as u32) as f64,
        _ => f64::from_bits(b),
    }
}

/// nextafter on the sign-magnitude bit pattern: the textbook definition.
fn nextafter_ref(d: DType, x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        let tiny = from_bits(d, 1);
        return if y > 0.0 { tiny } else { -tiny };
    }
    let b = to_bits(d, x);
    let away = (y > x) == (x > 0.0);
    from_bits(d, if away { b + 1 } else { b - 1 })
}

type FloatRef = fn(f64, f64) -> f64;

#[test]
fn float_ops_match_naive_references() {
    let mut rng = Rng::new(21);
    // (op, reference, exact?) — exact ops are checked bit for bit (incl. the sign of zero where
    // XLA defines it), the others within a few ulps.
    let cases: Vec<(BinaryOp, FloatRef, bool)> = vec![
        (BinaryOp::Add, |a, b| a + b, true),
        (BinaryOp::Sub, |a, b| a - b, true),
        (BinaryOp::Mul, |a, b| a * b, true),
        (BinaryOp::Div, |a, b| a / b, true),
        (BinaryOp::Rem, |a, b| a % b, true),
        (BinaryOp::Max, max_ref, true),
        (BinaryOp::Min, min_ref, true),
        (BinaryOp::Pow, f64::powf, false),
        (BinaryOp::Atan2, f64::atan2, false),
    ];
    for (op, f, exact) in cases {
        for d in FLOAT_DTYPES {
            for _ in 0..6 {
                let (sa, sb) = prim_shapes(&mut rng);
                let x = float_operand(&mut rng, &sa, d);
                let y = float_operand(&mut rng, &sb, d);
                let z = bind1(op, &[&x, &y]);
                assert_eq!(z.dtype(), d);
                let (xs, ys) = (x.to_vec::<f64>(), y.to_vec::<f64>());
                let n = out_len(xs.len(), ys.len(), &sa);
                let want: Vec<f64> = (0..n)
                    .map(|i| round_to(d, f(at(&xs, i), at(&ys, i))))
                    .collect();
                let what = format!("{op:?} {d} on {xs:?} and {ys:?}");
                // Half types compute in f32 and round once; a second rounding through f64 can
                // differ by an ulp in rare ties, so exactness is asserted for f32/f64 only.
                let exact_here = matches!(d, DType::F32 | DType::F64)
                    || matches!(op, BinaryOp::Max | BinaryOp::Min | BinaryOp::Rem);
                if exact && exact_here {
                    assert_same_bits(&z.to_vec::<f64>(), &want, &what);
                } else {
                    let tol = rtol_for(d) * 2.0;
                    assert_close(&z.to_vec::<f64>(), &want, tol, 0.0, &what);
                }
            }
        }
    }
}

#[test]
fn nextafter_steps_one_ulp_in_every_float_dtype() {
    let mut rng = Rng::new(22);
    for d in FLOAT_DTYPES {
        for _ in 0..6 {
            let (sa, sb) = prim_shapes(&mut rng);
            let x = float_operand(&mut rng, &sa, d);
            let y = float_operand(&mut rng, &sb, d);
            let z = bind1(BinaryOp::Nextafter, &[&x, &y]);
            let (xs, ys) = (x.to_vec::<f64>(), y.to_vec::<f64>());
            let n = out_len(xs.len(), ys.len(), &sa);
            let want: Vec<f64> = (0..n)
                .map(|i| nextafter_ref(d, at(&xs, i), at(&ys, i)))
                .collect();
            assert_same_bits(
                &z.to_vec::<f64>(),
                &want,
                &format!("nextafter {d} {xs:?} {ys:?}"),
            );
        }
        // Stepping down from 1 lands on the largest value below 1, half the ulp above it.
        let one = Array::from_vec(vec![1.0f64, 1.0], [2]).astype(d);
        let dirs = Array::from_vec(vec![0.0f64, 2.0], [2]).astype(d);
        let got = bind1(BinaryOp::Nextafter, &[&one, &dirs]).to_vec::<f64>();
        let eps = match d {
            DType::F16 => 2f64.powi(-10),
            DType::BF16 => 2f64.powi(-7),
            DType::F32 => 2f64.powi(-23),
            _ => 2f64.powi(-52),
        };
        assert_eq!(got, vec![1.0 - eps / 2.0, 1.0 + eps], "{d}");
    }
}

/// Reference integer ops on exact (i128) values, wrapped to the dtype like XLA.
fn int_ref(op: BinaryOp, a: i128, b: i128, d: DType) -> i128 {
    let bits = d.bits() as i128;
    // Shift counts are read as unsigned, so negative counts are huge.
    let count = b.rem_euclid(1i128 << bits);
    let as_signed = |v: i128| {
        let m = 1i128 << bits;
        let r = v.rem_euclid(m);
        if r >= m / 2 {
            r - m
        } else {
            r
        }
    };
    let as_unsigned = |v: i128| v.rem_euclid(1i128 << bits);
    let r = match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => {
            if b == 0 {
                -1
            } else {
                a / b
            }
        }
        BinaryOp::Rem => {
            if b == 0 {
                a
            } else {
                a % b
            }
        }
        BinaryOp::Max => a.max(b),
        BinaryOp::Min => a.min(b),
        BinaryOp::And => a & b,
        BinaryOp::Or => a | b,
        BinaryOp::Xor => a ^ b,
        BinaryOp::ShiftLeft => {
            if count >= bits {
                0
            } else {
                a << count
            }
        }
        BinaryOp::ShiftRightLogical => {
            if count >= bits {
                0
            } else {
                as_unsigned(a) >> count
            }
        }
        BinaryOp::ShiftRightArithmetic => as_signed(a) >> count.min(bits - 1),
        _ => unreachable!(),
    };
    wrap(r, d)
}

#[test]
fn integer_ops_match_xla_semantics() {
    let mut rng = Rng::new(23);
    use BinaryOp::*;
    for op in [
        Add,
        Sub,
        Mul,
        Div,
        Rem,
        Max,
        Min,
        And,
        Or,
        Xor,
        ShiftLeft,
        ShiftRightLogical,
        ShiftRightArithmetic,
    ] {
        let shift = matches!(op, ShiftLeft | ShiftRightLogical | ShiftRightArithmetic);
        for d in INT_DTYPES {
            for _ in 0..6 {
                let (sa, sb) = prim_shapes(&mut rng);
                let x = int_operand(&mut rng, &sa, d);
                let y = if shift {
                    // Counts around the bit width, including negative ones.
                    let n: usize = sb.iter().product();
                    let bits = d.bits() as i64;
                    let v: Vec<i64> = (0..n).map(|_| rng.range(-3, bits + 4)).collect();
                    int_array(&v, &sb, d)
                } else {
                    int_operand(&mut rng, &sb, d)
                };
                let z = bind1(op, &[&x, &y]);
                assert_eq!(z.dtype(), d);
                let xs: Vec<i128> = x.to_vec::<i64>().iter().map(|&v| v as i128).collect();
                let ys: Vec<i128> = y.to_vec::<i64>().iter().map(|&v| v as i128).collect();
                let n = out_len(xs.len(), ys.len(), &sa);
                let want: Vec<i128> = (0..n)
                    .map(|i| int_ref(op, at(&xs, i), at(&ys, i), d))
                    .collect();
                let got: Vec<i128> = z.to_vec::<i64>().iter().map(|&v| v as i128).collect();
                assert_eq!(got, want, "{op:?} {d} on {xs:?} and {ys:?}");
            }
        }
    }
}

#[test]
fn integer_corner_cases_are_xla_s() {
    let a = Array::from_vec(vec![7i32, -7, i32::MIN, i32::MIN, 5], [5]);
    let b = Array::from_vec(vec![0i32, 0, -1, 0, -2], [5]);
    assert_eq!(
        bind1(BinaryOp::Div, &[&a, &b]).to_vec::<i32>(),
        vec![-1, -1, i32::MIN, -1, -2]
    );
    assert_eq!(
        bind1(BinaryOp::Rem, &[&a, &b]).to_vec::<i32>(),
        vec![7, -7, 0, i32::MIN, 1]
    );
    let u = Array::from_vec(vec![7u8, 200], [2]);
    let z = Array::from_vec(vec![0u8, 1], [2]);
    assert_eq!(
        bind1(BinaryOp::Div, &[&u, &z]).to_vec::<u8>(),
        vec![255, 200]
    );
    // Arithmetic right shift of unsigned values replicates the top bit (as XLA does).
    let s = Array::from_vec(vec![1u8, 9], [2]);
    assert_eq!(
        bind1(BinaryOp::ShiftRightArithmetic, &[&u, &s]).to_vec::<u8>(),
        vec![3, 255]
    );
    let big = Array::from_vec(vec![0x8000_0000u32], [1]);
    let forty = Array::from_vec(vec![40u32], [1]);
    assert_eq!(
        bind1(BinaryOp::ShiftRightArithmetic, &[&big, &forty]).to_vec::<u32>(),
        vec![u32::MAX]
    );
    let m = Array::from_vec(vec![-8i32, 8], [2]);
    let neg = Array::from_vec(vec![-1i32, -1], [2]);
    assert_eq!(
        bind1(BinaryOp::ShiftRightArithmetic, &[&m, &neg]).to_vec::<i32>(),
        vec![-1, 0]
    );
    assert_eq!(
        bind1(BinaryOp::ShiftLeft, &[&m, &neg]).to_vec::<i32>(),
        vec![0, 0]
    );
}

#[test]
fn bool_ops() {
    let mut rng = Rng::new(24);
    type BoolRef = fn(bool, bool) -> bool;
    let cases: [(BinaryOp, BoolRef); 5] = [
        (BinaryOp::And, |a, b| a & b),
        (BinaryOp::Or, |a, b| a | b),
        (BinaryOp::Xor, |a, b| a ^ b),
        (BinaryOp::Max, |a, b| a.max(b)),
        (BinaryOp::Min, |a, b| a.min(b)),
    ];
    for (op, f) in cases {
        for _ in 0..5 {
            let (sa, sb) = prim_shapes(&mut rng);
            let x = random_array(&mut rng, &sa, DType::Bool);
            let y = random_array(&mut rng, &sb, DType::Bool);
            let z = bind1(op, &[&x, &y]);
            let (xs, ys) = (x.to_vec::<bool>(), y.to_vec::<bool>());
            let n = out_len(xs.len(), ys.len(), &sa);
            let want: Vec<bool> = (0..n).map(|i| f(at(&xs, i), at(&ys, i))).collect();
            assert_eq!(z.to_vec::<bool>(), want, "{op:?}");
        }
    }
}

#[test]
fn comparisons_on_every_dtype() {
    let mut rng = Rng::new(25);
    type CmpRef = fn(f64, f64) -> bool;
    let cases: [(CompareOp, CmpRef); 6] = [
        (CompareOp::Eq, |a, b| a == b),
        (CompareOp::Ne, |a, b| a != b),
        (CompareOp::Lt, |a, b| a < b),
        (CompareOp::Le, |a, b| a <= b),
        (CompareOp::Gt, |a, b| a > b),
        (CompareOp::Ge, |a, b| a >= b),
    ];
    for (op, f) in cases {
        for d in ALL_DTYPES {
            for _ in 0..4 {
                let (sa, sb) = prim_shapes(&mut rng);
                let make = |rng: &mut Rng, s: &[usize]| {
                    if d.is_float() {
                        float_operand(rng, s, d)
                    } else if d.is_bool() {
                        random_array(rng, s, d)
                    } else {
                        // Small values so that equal pairs occur.
                        let t = random_array(rng, s, d);
                        relayout(rng, &t)
                    }
                };
                let x = make(&mut rng, &sa);
                let y = make(&mut rng, &sb);
                let z = bind1(op, &[&x, &y]);
                assert_eq!(z.dtype(), DType::Bool);
                assert!(!z.weak_type());
                // i64 and u32 values compare exactly as f64 here: they are small.
                let (xs, ys) = (x.to_vec::<f64>(), y.to_vec::<f64>());
                let n = out_len(xs.len(), ys.len(), &sa);
                let want: Vec<bool> = (0..n).map(|i| f(at(&xs, i), at(&ys, i))).collect();
                assert_eq!(z.to_vec::<bool>(), want, "{op:?} {d} on {xs:?} {ys:?}");
            }
        }
    }
    // Extreme 64-bit integers compare exactly (no detour through floats).
    let a = Array::from_vec(vec![i64::MAX, i64::MIN], [2]);
    let b = Array::from_vec(vec![i64::MAX - 1, i64::MIN + 1], [2]);
    assert_eq!(
        bind1(CompareOp::Gt, &[&a, &b]).to_vec::<bool>(),
        vec![true, false]
    );
}

// ---- numpy level: broadcasting and promotion ----

/// Two shapes that broadcast together (leading dims dropped, dims set to 1 at random) and
/// their broadcast.
fn broadcast_pair(rng: &mut Rng) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let nd = rng.range(0, 5) as usize;
    let out = rng.shape(nd, 4);
    let operand = |rng: &mut Rng| {
        let keep = rng.range(0, nd as i64 + 1) as usize;
        out[nd - keep..]
            .iter()
            .map(|&s| if rng.range(0, 3) == 0 { 1 } else { s })
            .collect::<Vec<usize>>()
    };
    let a = operand(rng);
    let b = operand(rng);
    let shape = equinox_core::broadcast_shapes(&a, &b).unwrap().to_vec();
    (a, b, shape)
}

/// The element of an operand of shape `s` seen at output multi-index `idx` under broadcasting.
fn bcast_index(idx: &[usize], s: &[usize]) -> usize {
    let off = idx.len() - s.len();
    let sub: Vec<usize> = s
        .iter()
        .enumerate()
        .map(|(i, &d)| if d == 1 { 0 } else { idx[off + i] })
        .collect();
    ravel(&sub, s)
}

#[allow(clippy::too_many_arguments)]
fn numpy_check(
    name: &str,
    f: &dyn Fn(&Array, &Array) -> Array,
    dx: DType,
    dy: DType,
    want_dtype: DType,
    r: &dyn Fn(f64, f64) -> f64,
    tol: f64,
    rng: &mut Rng,
) {
    for _ in 0..5 {
        let (sa, sb, shape) = broadcast_pair(rng);
        let random_operand = |rng: &mut Rng, s: &[usize], d: DType| {
            let t = if d.is_float() {
                special_floats(rng, s, d)
            } else {
                random_array(rng, s, d)
            };
            relayout(rng, &t)
        };
        let x = random_operand(rng, &sa, dx);
        let y = random_operand(rng, &sb, dy);
        let z = f(&x, &y);
        assert_eq!(z.shape(), &shape[..], "{name} {sa:?} {sb:?}");
        assert_eq!(z.dtype(), want_dtype, "{name} {dx} {dy}");
        let (xs, ys) = (x.to_vec::<f64>(), y.to_vec::<f64>());
        let n: usize = shape.iter().product();
        let want: Vec<f64> = (0..n)
            .map(|i| {
                let idx = unravel(i, &shape);
                round_to(
                    want_dtype,
                    r(xs[bcast_index(&idx, &sa)], ys[bcast_index(&idx, &sb)]),
                )
            })
            .collect();
        let what = format!("{name}({dx}{sa:?}, {dy}{sb:?}) on {xs:?} {ys:?}");
        if tol == 0.0 {
            assert_same_bits(&z.to_vec::<f64>(), &want, &what);
        } else {
            assert_close(&z.to_vec::<f64>(), &want, tol, tol, &what);
        }
    }
}

fn py_remainder(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) {
        r + b
    } else {
        r
    }
}

fn py_floor_divide(a: f64, b: f64) -> f64 {
    // JAX's formula: (a - fmod(a, b)) / b, corrected toward -inf, then rounded.
    let m = a % b;
    let mut div = if b == 0.0 { a / b } else { (a - m) / b };
    if m != 0.0 && (b < 0.0) != (m < 0.0) {
        div -= 1.0;
    }
    div.round()
}

#[test]
fn numpy_float_binary_functions_broadcast() {
    let mut rng = Rng::new(26);
    let tol_exact = 0.0;
    for d in FLOAT_DTYPES {
        let t = rtol_for(d) * 2.0;
        numpy_check(
            "add",
            &jnp::add,
            d,
            d,
            d,
            &|a, b| a + b,
            if d == DType::F32 { tol_exact } else { t },
            &mut rng,
        );
        numpy_check(
            "subtract",
            &jnp::subtract,
            d,
            d,
            d,
            &|a, b| a - b,
            t,
            &mut rng,
        );
        numpy_check(
            "multiply",
            &|a, b| a * b,
            d,
            d,
            d,
            &|a, b| a * b,
            t,
            &mut rng,
        );
        numpy_check("divide", &|a, b| a / b, d, d, d, &|a, b| a / b, t, &mut rng);
        numpy_check("maximum", &jnp::maximum, d, d, d, &max_ref, 0.0, &mut rng);
        numpy_check("minimum", &jnp::minimum, d, d, d, &min_ref, 0.0, &mut rng);
        numpy_check("fmod", &jnp::fmod, d, d, d, &|a, b| a % b, 0.0, &mut rng);
        numpy_check(
            "remainder",
            &jnp::remainder,
            d,
            d,
            d,
            &py_remainder,
            t,
            &mut rng,
        );
        numpy_check(
            "floor_divide",
            &jnp::floor_divide,
            d,
            d,
            d,
            &py_floor_divide,
            t,
            &mut rng,
        );
        numpy_check("power", &jnp::power, d, d, d, &f64::powf, t, &mut rng);
        numpy_check("arctan2", &jnp::arctan2, d, d, d, &f64::atan2, t, &mut rng);
    }
    // Mixed dtypes promote before computing.
    numpy_check(
        "add i32+f16",
        &jnp::add,
        DType::I32,
        DType::F16,
        DType::F16,
        &|a, b| a + b,
        2e-3,
        &mut rng,
    );
    numpy_check(
        "mul u8+bf16",
        &jnp::multiply,
        DType::U8,
        DType::BF16,
        DType::BF16,
        &|a, b| a * b,
        1.6e-2,
        &mut rng,
    );
    numpy_check(
        "sub f32-f64",
        &jnp::subtract,
        DType::F32,
        DType::F64,
        DType::F64,
        &|a, b| a - b,
        0.0,
        &mut rng,
    );
    numpy_check(
        "div i32/i32",
        &jnp::divide,
        DType::I32,
        DType::I32,
        DType::F32,
        &|a, b| a / b,
        2e-6,
        &mut rng,
    );
    numpy_check(
        "max u32,i32",
        &jnp::maximum,
        DType::U32,
        DType::I32,
        DType::I64,
        &f64::max,
        0.0,
        &mut rng,
    );
}

/// A golden array (`parity/golden_encoding.py`) as an `Array` of its dtype.
fn golden_array(v: &Value) -> Array {
    let e = encoded(v);
    let dtype = DType::from_name(&e.dtype).unwrap_or_else(|| panic!("dtype {}", e.dtype));
    Array::from_vec(e.data, e.shape).astype(dtype)
}

#[test]
fn numpy_integer_functions_follow_jax() {
    // JAX's answers (parity/literals_numeric.py) for jnp.remainder / floor_divide on integers
    // (division by zero, INT_MIN // -1, unsigned) and float corner cases (±0, inf, NaN),
    // integer powers (binary exponentiation with wrapping: 3**40 wraps), shifts, bitwise and
    // logical functions. Same dtype, and the same bits (the sign of a zero included).
    type Binary = fn(&Array, &Array) -> Array;
    let g = Golden::load("literals_numeric");
    for case in g.section("integer_functions").iter() {
        let name = case["fn"].as_str().expect("a function name");
        let f: Binary = match name {
            "remainder" => jnp::remainder,
            "floor_divide" => jnp::floor_divide,
            "power" => jnp::power,
            "right_shift" => jnp::right_shift,
            "left_shift" => jnp::left_shift,
            "bitwise_and" => jnp::bitwise_and,
            "bitwise_or" => jnp::bitwise_or,
            "bitwise_xor" => jnp::bitwise_xor,
            "logical_and" => jnp::logical_and,
            "logical_or" => jnp::logical_or,
            "logical_xor" => jnp::logical_xor,
            other => panic!("unknown function {other}"),
        };
        let (a, b) = (golden_array(&case["a"]), golden_array(&case["b"]));
        let got = f(&a, &b);
        let want = encoded(&case["out"]);
        let what = format!("{name}({}, {})", case["a"]["data"], case["b"]["data"]);
        assert_eq!(got.dtype().name(), want.dtype, "{what}");
        assert_eq!(got.shape(), &want.shape[..], "{what}");
        assert_same_bits(&got.to_vec::<f64>(), &want.data, &what);
    }
    g.assert_sections_read(&["integer_functions"]);
}

#[test]
fn numpy_comparisons_broadcast_and_promote() {
    let mut rng = Rng::new(27);
    type Cmp = fn(&Array, &Array) -> Array;
    type CmpRef = fn(f64, f64) -> bool;
    let cases: [(&str, Cmp, CmpRef); 6] = [
        ("equal", jnp::equal, |a, b| a == b),
        ("not_equal", jnp::not_equal, |a, b| a != b),
        ("less", jnp::less, |a, b| a < b),
        ("less_equal", jnp::less_equal, |a, b| a <= b),
        ("greater", jnp::greater, |a, b| a > b),
        ("greater_equal", jnp::greater_equal, |a, b| a >= b),
    ];
    for (name, f, r) in cases {
        for (dx, dy) in [
            (DType::F32, DType::F32),
            (DType::I32, DType::F16),
            (DType::U8, DType::I64),
            (DType::Bool, DType::I32),
        ] {
            numpy_check(
                name,
                &f,
                dx,
                dy,
                DType::Bool,
                &|a, b| r(a, b) as u8 as f64,
                0.0,
                &mut rng,
            );
        }
    }
}

#[test]
fn operators_with_scalars_on_both_sides() {
    let x = Array::from_vec(vec![1.0f32, -2.0, 4.0], [3]);
    assert_eq!((&x + 1.5).to_vec::<f32>(), vec![2.5, -0.5, 5.5]);
    assert_eq!((1.5 - &x).to_vec::<f32>(), vec![0.5, 3.5, -2.5]);
    assert_eq!((&x * 2).to_vec::<f32>(), vec![2.0, -4.0, 8.0]);
    assert_eq!((8 / &x).to_vec::<f32>(), vec![8.0, -4.0, 2.0]);
    assert_eq!((&x % 3.0).to_vec::<f32>(), vec![1.0, 1.0, 1.0]);
    assert_eq!((-&x).to_vec::<f32>(), vec![-1.0, 2.0, -4.0]);
    let i = Array::from_vec(vec![7i32, -7], [2]);
    assert_eq!((&i / 2).dtype(), DType::F32, "true division gives floats");
    assert_eq!((&i % 3).to_vec::<i32>(), vec![1, 2]);
}

#[test]
#[should_panic(
    expected = "add: operands must have equal shapes (or be 0-d scalars), got f32[2,3], f32[3]"
)]
fn add_rejects_unbroadcast_shapes() {
    bind1(BinaryOp::Add, &[&jnp::zeros([2, 3]), &jnp::zeros([3])]);
}

#[test]
#[should_panic(expected = "mul: operands must have the same dtype, got f32[2], i32[2]")]
fn mul_rejects_mixed_dtypes() {
    bind1(
        BinaryOp::Mul,
        &[&jnp::zeros([2]), &jnp::zeros_dtype([2], DType::I32)],
    );
}

#[test]
#[should_panic(expected = "shift_left: got f32[2], f32[2] but expected integer operands")]
fn shift_rejects_floats() {
    bind1(BinaryOp::ShiftLeft, &[&jnp::zeros([2]), &jnp::zeros([2])]);
}

#[test]
#[should_panic(expected = "pow: got i32[], i32[] but expected floating-point operands")]
fn pow_rejects_integers() {
    bind1(BinaryOp::Pow, &[&Array::scalar(2i32), &Array::scalar(3i32)]);
}

#[test]
#[should_panic(
    expected = "sub: got bool[2], bool[2] but expected numeric (integer or float) operands"
)]
fn sub_rejects_bool() {
    let b = jnp::zeros_dtype([2], DType::Bool);
    bind1(BinaryOp::Sub, &[&b, &b]);
}

#[test]
#[should_panic(expected = "lt: operands must have the same dtype, got f32[2], f64[2]")]
fn compare_rejects_mixed_dtypes() {
    bind1(
        CompareOp::Lt,
        &[&jnp::zeros([2]), &jnp::zeros_dtype([2], DType::F64)],
    );
}

#[test]
#[should_panic(expected = "add: Incompatible shapes for broadcasting: shapes=[(2, 3), (4,)]")]
fn numpy_add_rejects_incompatible_shapes() {
    jnp::add(&jnp::zeros([2, 3]), &jnp::zeros([4]));
}

#[test]
#[should_panic(expected = "greater: Incompatible shapes for broadcasting: shapes=[(2,), (3,)]")]
fn numpy_compare_rejects_incompatible_shapes() {
    jnp::greater(&jnp::zeros([2]), &jnp::zeros([3]));
}
