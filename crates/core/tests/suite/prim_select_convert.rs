//! `select_n`, `clamp`, `convert_element_type` and `bitcast_convert_type` against naive
//! references on every dtype, plus `jnp.where`, `clip` and `astype`.
use crate::common;

use common::*;
use equinox_core::numpy as jnp;
use equinox_core::prims::bind1;
use equinox_core::prims::convert::ConvertOp;
use equinox_core::prims::select::SelectOp;
use equinox_core::{bf16, f16, Array, DType, ALL_DTYPES};
use equinox_testing::golden::encoded;
use equinox_testing::Golden;
use serde_json::Value;

fn random_shape(rng: &mut Rng) -> Vec<usize> {
    let nd = rng.range(0, 4) as usize;
    rng.shape(nd, 5)
}

/// Random values of any dtype, specials included for floats and edge values for integers.
fn any_values(rng: &mut Rng, shape: &[usize], d: DType) -> Array {
    let t = if d.is_float() {
        special_floats(rng, shape, d)
    } else if d.is_integer() {
        random_ints(rng, shape, d)
    } else {
        random_array(rng, shape, d)
    };
    relayout(rng, &t)
}

/// Bit-exact view of any array as f64 values (floats) or i128 (everything else, as f64 of
/// small ints would lose i64 precision).
#[derive(Debug, PartialEq)]
enum Vals {
    F(Vec<u64>),
    I(Vec<i128>),
}

fn vals(a: &Array) -> Vals {
    if a.dtype().is_float() {
        // Compare bit patterns of the f64 value, normalising NaN payloads.
        Vals::F(
            a.to_vec::<f64>()
                .iter()
                .map(|v| {
                    if v.is_nan() {
                        0x7ff8_0000_0000_0000
                    } else {
                        v.to_bits()
                    }
                })
                .collect(),
        )
    } else {
        Vals::I(exact_ints(a))
    }
}

/// The integer (or bool) values exactly: uint64 values above i64::MAX included.
fn exact_ints(a: &Array) -> Vec<i128> {
    if a.dtype() == DType::U64 {
        a.to_vec::<u64>().iter().map(|&v| v as i128).collect()
    } else {
        a.to_vec::<i64>().iter().map(|&v| v as i128).collect()
    }
}

#[test]
fn select_n_picks_cases_on_every_dtype() {
    let mut rng = Rng::new(31);
    for d in ALL_DTYPES {
        for trial in 0..8 {
            let shape = random_shape(&mut rng);
            let n_cases = if trial % 2 == 0 {
                2
            } else {
                rng.range(1, 4) as usize
            };
            let cases: Vec<Array> = (0..n_cases)
                .map(|_| any_values(&mut rng, &shape, d))
                .collect();
            let scalar_pred = rng.range(0, 4) == 0;
            let pshape: Vec<usize> = if scalar_pred { vec![] } else { shape.clone() };
            let pred = if trial % 2 == 0 {
                random_array(&mut rng, &pshape, DType::Bool)
            } else {
                let n: usize = pshape.iter().product();
                let v: Vec<i64> = (0..n).map(|_| rng.range(0, n_cases as i64)).collect();
                int_array(&v, &pshape, DType::I32)
            };
            let mut args = vec![&pred];
            args.extend(cases.iter());
            let out = bind1(SelectOp::SelectN, &args);
            assert_eq!(out.dtype(), d);
            assert_eq!(out.shape(), &shape[..]);
            let p = pred.to_vec::<i64>();
            let case_vals: Vec<Vec<f64>> = cases.iter().map(|c| c.to_vec::<f64>()).collect();
            let n: usize = shape.iter().product();
            let want: Vec<f64> = (0..n)
                .map(|i| case_vals[p[if scalar_pred { 0 } else { i }] as usize][i])
                .collect();
            assert_same_bits(&out.to_vec::<f64>(), &want, &format!("select_n {d}"));
        }
    }
}

#[test]
fn clamp_on_every_dtype() {
    let mut rng = Rng::new(32);
    for d in ALL_DTYPES {
        for _ in 0..6 {
            let shape = random_shape(&mut rng);
            let x = any_values(&mut rng, &shape, d);
            let bound = |rng: &mut Rng| {
                let s: Vec<usize> = if rng.range(0, 2) == 0 {
                    vec![]
                } else {
                    shape.clone()
                };
                any_values(rng, &s, d)
            };
            let lo = bound(&mut rng);
            let hi = bound(&mut rng);
            let out = bind1(SelectOp::Clamp, &[&lo, &x, &hi]);
            assert_eq!(out.shape(), &shape[..]);
            let (l, xs, h) = (lo.to_vec::<f64>(), x.to_vec::<f64>(), hi.to_vec::<f64>());
            let get = |v: &[f64], i: usize| if v.len() == 1 { v[0] } else { v[i] };
            // min(max(x, lo), hi) with NaN propagation (XLA's clamp).
            let want: Vec<f64> = (0..xs.len())
                .map(|i| {
                    let (lo, x, hi) = (get(&l, i), xs[i], get(&h, i));
                    if x.is_nan() || lo.is_nan() || hi.is_nan() {
                        f64::NAN
                    } else {
                        let m = if x < lo { lo } else { x };
                        if m > hi {
                            hi
                        } else {
                            m
                        }
                    }
                })
                .collect();
            // ±0 ties may pick either zero; compare values, not signs, for floats.
            assert_close(&out.to_vec::<f64>(), &want, 0.0, 0.0, &format!("clamp {d}"));
        }
    }
}

/// XLA's `convert` for one value, computed independently of the library.
fn convert_ref(v: f64, iv: i128, from: DType, to: DType) -> Vals {
    if to.is_float() {
        // To half types, go through f32 as XLA's CPU backend does.
        let exact = if from.is_float() { v } else { iv as f64 };
        let r = match to {
            DType::F16 | DType::BF16 => {
                let f = if from.is_float() { v as f32 } else { iv as f32 };
                round_to(to, f as f64)
            }
            DType::F32 => {
                if from.is_float() {
                    v as f32 as f64
                } else {
                    iv as f32 as f64
                }
            }
            _ => exact,
        };
        Vals::F(vec![if r.is_nan() {
            0x7ff8_0000_0000_0000
        } else {
            r.to_bits()
        }])
    } else if to.is_bool() {
        Vals::I(vec![if from.is_float() {
            (v != 0.0) as i128
        } else {
            (iv != 0) as i128
        }])
    } else if from.is_float() {
        let bits = to.bits();
        let (min, max) = if to.is_signed_integer() {
            (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
        } else {
            (0, (1i128 << bits) - 1)
        };
        let r = if v.is_nan() {
            0
        } else if v >= max as f64 {
            max
        } else if v <= min as f64 {
            min
        } else {
            v.trunc() as i128
        };
        Vals::I(vec![r])
    } else {
        Vals::I(vec![wrap(iv, to)])
    }
}

#[test]
fn convert_element_type_between_every_pair() {
    let mut rng = Rng::new(33);
    for from in ALL_DTYPES {
        for to in ALL_DTYPES {
            let shape = random_shape(&mut rng);
            let x = any_values(&mut rng, &shape, from);
            let y = bind1(
                ConvertOp::ConvertElementType {
                    new_dtype: to,
                    weak_type: false,
                },
                &[&x],
            );
            assert_eq!(y.dtype(), to);
            assert_eq!(y.shape(), &shape[..]);
            let fv = x.to_vec::<f64>();
            let iv: Vec<i128> = if from.is_float() {
                vec![0; fv.len()]
            } else {
                exact_ints(&x)
            };
            let got = vals(&y);
            let mut want_f = vec![];
            let mut want_i = vec![];
            for i in 0..fv.len() {
                match convert_ref(fv[i], iv[i], from, to) {
                    Vals::F(v) => want_f.extend(v),
                    Vals::I(v) => want_i.extend(v),
                }
            }
            let want = if to.is_float() {
                Vals::F(want_f)
            } else {
                Vals::I(want_i)
            };
            assert_eq!(got, want, "convert {from} -> {to} of {fv:?}");
        }
    }
}

/// A golden array (`parity/golden_encoding.py`) as an `Array` of its dtype; int64 data is
/// read as JSON integers (exact, where a float64 would round 2^60 + 2^36 + 1).
fn golden_array(v: &Value) -> Array {
    let e = encoded(v);
    let dtype = DType::from_name(&e.dtype).unwrap_or_else(|| panic!("dtype {}", e.dtype));
    if dtype == DType::I64 {
        let data: Vec<i64> = v["data"]
            .as_array()
            .expect("a data list")
            .iter()
            .map(|x| x.as_i64().expect("an int64"))
            .collect();
        return Array::from_vec(data, e.shape);
    }
    Array::from_vec(e.data, e.shape).astype(dtype)
}

#[test]
fn convert_rounds_like_xla() {
    // JAX's conversions (parity/literals_numeric.py): i64 -> f32 rounds the exact integer
    // once (2^60 + 2^36 + 1 is just above a midpoint, so it rounds up to 2^60 + 2^37);
    // f64 -> bf16 / f16 go through f32 (1.0 for both: the f32 step makes a tie); float -> int
    // saturates and truncates, NaN -> 0; any nonzero float (NaN included) -> true.
    let g = Golden::load("literals_numeric");
    for case in g.section("convert").iter() {
        let x = golden_array(&case["x"]);
        let to = case["to"].as_str().expect("a dtype name");
        let to = DType::from_name(to).unwrap_or_else(|| panic!("dtype {to}"));
        let got = x.astype(to);
        let want = encoded(&case["out"]);
        let what = format!("{} -> {to}: {}", x.dtype(), case["x"]["data"]);
        assert_eq!(got.dtype().name(), want.dtype, "{what}");
        assert_eq!(got.shape(), &want.shape[..], "{what}");
        assert_same_bits(&got.to_vec::<f64>(), &want.data, &what);
    }
    g.assert_sections_read(&["convert"]);
    // The int64 case by hand: the nearest float32 neighbours of 2^60 + 2^36 + 1 are 2^60 and
    // 2^60 + 2^37, and it lies above their midpoint.
    let x = Array::from_vec(vec![(1i64 << 60) + (1 << 36) + 1], [1]);
    assert_eq!(
        x.astype(DType::F32).to_vec::<f32>(),
        vec![((1u64 << 60) + (1 << 37)) as f32]
    );
    // Weak type is the parameter's.
    let w = bind1(
        ConvertOp::ConvertElementType {
            new_dtype: DType::F32,
            weak_type: true,
        },
        &[&Array::scalar(3i32)],
    );
    assert!(w.weak_type());
    assert_eq!(w.item::<f32>(), 3.0);
}

#[test]
fn bitcast_reinterprets_bits() {
    let mut rng = Rng::new(34);
    let pairs = [
        (DType::F32, DType::U32),
        (DType::F32, DType::I32),
        (DType::U32, DType::F32),
        (DType::I32, DType::F32),
        (DType::U32, DType::I32),
        (DType::I32, DType::U32),
        (DType::F64, DType::I64),
        (DType::I64, DType::F64),
        (DType::F16, DType::BF16),
        (DType::BF16, DType::F16),
        (DType::F32, DType::F32),
    ];
    let bits_of = |a: &Array| -> Vec<u64> {
        match a.dtype() {
            DType::F32 => a
                .as_slice::<f32>()
                .iter()
                .map(|v| v.to_bits() as u64)
                .collect(),
            DType::U32 => a.as_slice::<u32>().iter().map(|&v| v as u64).collect(),
            DType::I32 => a
                .as_slice::<i32>()
                .iter()
                .map(|&v| v as u32 as u64)
                .collect(),
            DType::F64 => a.as_slice::<f64>().iter().map(|v| v.to_bits()).collect(),
            DType::I64 => a.as_slice::<i64>().iter().map(|&v| v as u64).collect(),
            DType::F16 => a
                .as_slice::<f16>()
                .iter()
                .map(|v| v.to_bits() as u64)
                .collect(),
            DType::BF16 => a
                .as_slice::<bf16>()
                .iter()
                .map(|v| v.to_bits() as u64)
                .collect(),
            d => panic!("{d}"),
        }
    };
    for (from, to) in pairs {
        let shape = random_shape(&mut rng);
        let x = any_values(&mut rng, &shape, from);
        let y = bind1(ConvertOp::BitcastConvertType { new_dtype: to }, &[&x]);
        assert_eq!(y.dtype(), to);
        assert_eq!(y.shape(), &shape[..]);
        assert_eq!(bits_of(&y), bits_of(&x), "bitcast {from} -> {to}");
    }
}

#[test]
fn numpy_where_broadcasts_and_promotes() {
    let mut rng = Rng::new(35);
    for (dx, dy, want) in [
        (DType::F32, DType::F32, DType::F32),
        (DType::I32, DType::F16, DType::F16),
        (DType::U8, DType::I32, DType::I32),
        (DType::Bool, DType::Bool, DType::Bool),
    ] {
        for _ in 0..6 {
            let nd = rng.range(0, 4) as usize;
            let out_shape = rng.shape(nd, 4);
            let sub = |rng: &mut Rng| -> Vec<usize> {
                let keep = rng.range(0, out_shape.len() as i64 + 1) as usize;
                out_shape[out_shape.len() - keep..]
                    .iter()
                    .map(|&s| if rng.range(0, 3) == 0 { 1 } else { s })
                    .collect()
            };
            let (sc, sx, sy) = (sub(&mut rng), sub(&mut rng), sub(&mut rng));
            // The condition is numeric: nonzero means true.
            let c = random_array(&mut rng, &sc, DType::I32);
            let x = any_values(&mut rng, &sx, dx);
            let y = any_values(&mut rng, &sy, dy);
            let out = jnp::where_(&c, &x, &y);
            let shape: Vec<usize> = equinox_core::broadcast_shapes(
                &equinox_core::broadcast_shapes(&sc, &sx).unwrap(),
                &sy,
            )
            .unwrap()
            .to_vec();
            assert_eq!(out.shape(), &shape[..]);
            assert_eq!(out.dtype(), want);
            let (cv, xv, yv) = (c.to_vec::<f64>(), x.to_vec::<f64>(), y.to_vec::<f64>());
            let pick = |v: &[f64], s: &[usize], idx: &[usize]| {
                let off = idx.len() - s.len();
                let sub: Vec<usize> = s
                    .iter()
                    .enumerate()
                    .map(|(i, &d)| if d == 1 { 0 } else { idx[off + i] })
                    .collect();
                v[ravel(&sub, s)]
            };
            let n: usize = shape.iter().product();
            let want_v: Vec<f64> = (0..n)
                .map(|i| {
                    let idx = unravel(i, &shape);
                    let v = if pick(&cv, &sc, &idx) != 0.0 {
                        pick(&xv, &sx, &idx)
                    } else {
                        pick(&yv, &sy, &idx)
                    };
                    // The promoted dtype may be narrower than the source (bool/int -> f16).
                    round_to(want, v)
                })
                .collect();
            assert_same_bits(&out.to_vec::<f64>(), &want_v, &format!("where {dx} {dy}"));
        }
    }
}

#[test]
fn numpy_clip_and_astype() {
    let x = Array::from_vec(vec![-2.0f32, 0.5, 3.0, f32::NAN], [4]);
    let c = x.clip(0.0, 1.0);
    assert_eq!(c.dtype(), DType::F32);
    assert_same_bits(&c.to_vec::<f64>(), &[0.0, 0.5, 1.0, f64::NAN], "clip");
    let lo = Array::from_vec(vec![-1.0f32, 1.0, 0.0, 0.0], [4]);
    let c = jnp::clip(&x, Some(&lo), None);
    assert_same_bits(
        &c.to_vec::<f64>(),
        &[-1.0, 1.0, 3.0, f64::NAN],
        "clip lo only",
    );
    let i = Array::from_vec(vec![-5i32, 5, 50], [3]);
    assert_eq!(i.clip(0, 10).to_vec::<i32>(), vec![0, 5, 10]);
    assert_eq!(i.clip(0, 10).dtype(), DType::I32);
    // astype of a weak array makes it strong even without a dtype change.
    let w = Array::weak_scalar(1.5);
    assert!(!w.astype(DType::F32).weak_type());
    assert_eq!(i.astype(DType::U8).to_vec::<u8>(), vec![251, 5, 50]);
}

#[test]
#[should_panic(
    expected = "select_n: the predicate must be bool or int32, got f32[2], f32[2], f32[2]"
)]
fn select_n_rejects_float_predicate() {
    let x = jnp::zeros([2]);
    bind1(SelectOp::SelectN, &[&x, &x, &x]);
}

#[test]
#[should_panic(
    expected = "select_n: all cases must have the same shape and dtype, got f32[2], i32[2]"
)]
fn select_n_rejects_mixed_cases() {
    let p = jnp::zeros_dtype([2], DType::Bool);
    bind1(
        SelectOp::SelectN,
        &[&p, &jnp::zeros([2]), &jnp::zeros_dtype([2], DType::I32)],
    );
}

#[test]
#[should_panic(
    expected = "select_n: the predicate must be 0-d or have the cases' shape, got bool[3], f32[2], f32[2]"
)]
fn select_n_rejects_predicate_shape() {
    let p = jnp::zeros_dtype([3], DType::Bool);
    let x = jnp::zeros([2]);
    bind1(SelectOp::SelectN, &[&p, &x, &x]);
}

#[test]
#[should_panic(
    expected = "select_n: a bool predicate selects between at most 2 cases, got 3 cases"
)]
fn select_n_rejects_three_cases_with_bool() {
    let p = jnp::zeros_dtype([2], DType::Bool);
    let x = jnp::zeros([2]);
    bind1(SelectOp::SelectN, &[&p, &x, &x, &x]);
}

#[test]
#[should_panic(
    expected = "clamp: lo and hi must be 0-d or have x's shape, got (lo, x, hi) = (f32[3], f32[2], f32[])"
)]
fn clamp_rejects_bound_shape() {
    bind1(
        SelectOp::Clamp,
        &[&jnp::zeros([3]), &jnp::zeros([2]), &Array::scalar(1.0f32)],
    );
}

#[test]
#[should_panic(expected = "clamp: operands must have the same dtype, got f32[], i32[2], f32[]")]
fn clamp_rejects_mixed_dtypes() {
    let b = Array::scalar(1.0f32);
    bind1(
        SelectOp::Clamp,
        &[&b, &jnp::zeros_dtype([2], DType::I32), &b],
    );
}

#[test]
#[should_panic(expected = "bitcast_convert_type: cannot reinterpret f32[2] as float64")]
fn bitcast_rejects_width_change() {
    bind1(
        ConvertOp::BitcastConvertType {
            new_dtype: DType::F64,
        },
        &[&jnp::zeros([2])],
    );
}

#[test]
#[should_panic(expected = "where: Incompatible shapes for broadcasting: shapes=[(2,), (3,), (2,)]")]
fn where_rejects_incompatible_shapes() {
    jnp::where_(&jnp::zeros([2]), &jnp::zeros([3]), &jnp::zeros([2]));
}
