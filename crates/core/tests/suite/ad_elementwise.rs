//! Transformation rules of the elementwise families (unary, compare, select_n/clamp, convert,
//! fma): derivatives against finite differences and the vjp/jvp dot-product test, JAX's values
//! at special points (goldens from `parity/ad_elementwise.py`, jax 0.10.2), transposes against
//! plain-loop references, the batching law with batch axes anywhere, compositions (vmap of
//! grad, grad of grad, jit of grad) and `make_jaxpr` text.

use crate::common;

use common::{assert_close, assert_same_bits, random_array, relayout, Rng};
use equinox_core::prims::compare::CompareOp;
use equinox_core::prims::convert::ConvertOp;
use equinox_core::prims::fma::FmaOp;
use equinox_core::prims::select::SelectOp;
use equinox_core::prims::unary::UnaryOp;
use equinox_core::prims::{bind1, LinearArg, Primitive, PrimitiveRule};
use equinox_core::transforms::{
    check_grads, grad, jit, jvp, make_jaxpr, vjp, vmap, vmap_with, Jit, VmapSpec,
};
use equinox_core::{lax, nn, numpy as jnp, Array, DType};
use equinox_testing::Golden;
use serde_json::Value;

fn golden() -> Golden {
    Golden::load("ad_elementwise")
}

/// Each section of `ad_elementwise.json` is checked by the test of the same name below.
#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[
        &["special_grads"],
        &["logaddexp_grads"],
        &["clamp_grads"],
        &["polygamma"],
        &["jaxprs"],
    ]);
}

/// A golden float: a JSON number or "nan"/"inf"/"-inf".
fn gf(v: &Value) -> f64 {
    equinox_testing::golden::number(v)
}

fn host(x: &Array) -> Vec<f64> {
    x.to_vec::<f64>()
}

/// Float64 values uniform in `[lo, hi)`; with `away_from_zero`, a random sign is applied too
/// (so `[lo, hi)` is a magnitude range and the kink at 0 is avoided).
fn uniform(rng: &mut Rng, shape: &[usize], lo: f64, hi: f64, away_from_zero: bool) -> Array {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|_| {
            let m = lo + (hi - lo) * rng.uniform();
            if away_from_zero && rng.next_u64() & 1 == 1 {
                -m
            } else {
                m
            }
        })
        .collect();
    Array::from_vec(v, shape.to_vec())
}

/// The differentiable unary ops with an input range where they are smooth: (op, lo, hi,
/// magnitude range with random sign).
fn smooth_unary_ops() -> Vec<(UnaryOp, f64, f64, bool)> {
    use UnaryOp::*;
    let mut ops = vec![
        (Neg, -3.0, 3.0, false),
        (Exp, -2.0, 2.0, false),
        (Exp2, -2.0, 2.0, false),
        (Log, 0.3, 3.0, false),
        (Log1p, -0.5, 3.0, false),
        (Expm1, -2.0, 2.0, false),
        (Tanh, -2.0, 2.0, false),
        (Logistic, -3.0, 3.0, false),
        (Sin, -3.0, 3.0, false),
        (Cos, -3.0, 3.0, false),
        (Tan, -1.2, 1.2, false),
        (Asin, -0.9, 0.9, false),
        (Acos, -0.9, 0.9, false),
        (Atan, -3.0, 3.0, false),
        (Sinh, -2.0, 2.0, false),
        (Cosh, -2.0, 2.0, false),
        (Asinh, -3.0, 3.0, false),
        (Acosh, 1.2, 3.0, false),
        (Atanh, -0.9, 0.9, false),
        (Sqrt, 0.2, 3.0, false),
        (Rsqrt, 0.2, 3.0, false),
        (Cbrt, 0.2, 3.0, true),
        (Erf, -2.0, 2.0, false),
        (Erfc, -2.0, 2.0, false),
        (ErfInv, -0.9, 0.9, false),
        (Lgamma, 0.3, 4.0, false),
        (Digamma, 0.3, 4.0, false),
        (Polygamma(1), 0.3, 4.0, false),
        (Polygamma(2), 0.3, 4.0, false),
        (Square, -3.0, 3.0, false),
        (Abs, 0.2, 3.0, true),
        (Copy, -3.0, 3.0, false),
    ];
    for y in [-3, -2, -1, 0, 1, 2, 3, 5] {
        ops.push((IntegerPow(y), 0.3, 2.0, true));
    }
    ops
}

/// The unary ops whose derivative is zero everywhere it exists.
fn piecewise_constant_ops() -> Vec<UnaryOp> {
    use UnaryOp::*;
    vec![
        Sign,
        Floor,
        Ceil,
        Round {
            to_nearest_even: true,
        },
        Round {
            to_nearest_even: false,
        },
        StopGradient,
    ]
}

fn un(op: UnaryOp) -> impl Fn(&Array) -> Array {
    move |x: &Array| bind1(op, &[x])
}

/// Forward mode only: the jvp of `f` along a random direction against central differences.
fn check_jvp(f: impl Fn(&Vec<Array>) -> Array, args: &Vec<Array>, rng: &mut Rng) {
    let eps = 1e-6;
    let v: Vec<Array> = args
        .iter()
        .map(|a| uniform(rng, a.shape(), -1.0, 1.0, false))
        .collect();
    let shifted = |sign: f64| -> Vec<Array> {
        args.iter()
            .zip(&v)
            .map(|(a, d)| a + &(d * (sign * eps)))
            .collect()
    };
    let fd: Vec<f64> = host(&f(&shifted(1.0)))
        .iter()
        .zip(host(&f(&shifted(-1.0))))
        .map(|(p, m)| (p - m) / (2.0 * eps))
        .collect();
    let (_, t) = jvp(&f, args, &v);
    assert_close(&host(&t), &fd, 1e-6, 1e-8, "jvp vs finite differences");
}

// ---------------------------------------------------------------------------------------------
// Derivatives against finite differences.

#[test]
fn unary_gradients_match_finite_differences() {
    let mut rng = Rng::new(1);
    for (op, lo, hi, sym) in smooth_unary_ops() {
        for _ in 0..3 {
            let ndim = rng.range(0, 4) as usize;
            let shape = rng.nonempty_shape(ndim, 3);
            let x = uniform(&mut rng, &shape, lo, hi, sym);
            let x = relayout(&mut rng, &x);
            check_grads(un(op), &x, 1e-6, 1e-6, 1e-7);
        }
    }
}

#[test]
fn piecewise_constant_ops_have_zero_derivatives() {
    let mut rng = Rng::new(2);
    for op in piecewise_constant_ops() {
        let x = uniform(&mut rng, &[2, 3], -3.0, 3.0, false);
        let t = uniform(&mut rng, &[2, 3], -1.0, 1.0, false);
        let (y, dy) = jvp(un(op), &x, &t);
        assert_eq!(host(&y), host(&bind1(op, &[&x])), "{op:?} primal");
        assert_eq!(host(&dy), vec![0.0; 6], "{op:?} tangent");
        let (_, pullback) = vjp(un(op), &x);
        assert_eq!(
            host(&pullback.transpose(&t)),
            vec![0.0; 6],
            "{op:?} cotangent"
        );
    }
}

#[test]
fn stop_gradient_blocks_only_its_branch() {
    let x = Array::scalar(3.0f64);
    // d/dx [x * stop_gradient(x)] = stop_gradient(x) = 3.
    let g = grad(|x: &Array| x * &lax::stop_gradient(x))(&x);
    assert_eq!(g.item::<f64>(), 3.0);
}

#[test]
fn convert_element_type_is_linear_between_floats() {
    let mut rng = Rng::new(3);
    for (from, to) in [
        (DType::F64, DType::F32),
        (DType::F32, DType::F64),
        (DType::F64, DType::F16),
    ] {
        let x = uniform(&mut rng, &[3, 2], -3.0, 3.0, false).astype(from);
        let t = uniform(&mut rng, &[3, 2], -1.0, 1.0, false).astype(from);
        let conv = ConvertOp::ConvertElementType {
            new_dtype: to,
            weak_type: false,
        };
        let (y, dy) = jvp(|x: &Array| bind1(conv, &[x]), &x, &t);
        assert_eq!(y.dtype(), to);
        assert_eq!(dy.dtype(), to);
        assert_eq!(host(&dy), host(&t.astype(to)), "{from} -> {to} tangent");
        // The transpose converts back: <vjp(w), v> for a cotangent w of the output dtype.
        let w = uniform(&mut rng, &[3, 2], -1.0, 1.0, false).astype(to);
        let (_, pullback) = vjp(|x: &Array| bind1(conv, &[x]), &x);
        let ct = pullback.transpose(&w);
        assert_eq!(ct.dtype(), from);
        assert_eq!(host(&ct), host(&w.astype(from)), "{from} -> {to} cotangent");
    }
}

#[test]
fn conversions_to_and_from_non_floats_have_zero_tangents() {
    let x = Array::from_vec(vec![1.7f32, -2.2, 0.4], [3]);
    let to_int = ConvertOp::ConvertElementType {
        new_dtype: DType::I32,
        weak_type: false,
    };
    let (y, dy) = jvp(|x: &Array| bind1(to_int, &[x]), &x, &jnp::ones_like(&x));
    assert_eq!(y.to_vec::<i32>(), vec![1, -2, 0]);
    assert_eq!(dy.to_vec::<i32>(), vec![0, 0, 0]);
    let bitcast = ConvertOp::BitcastConvertType {
        new_dtype: DType::U32,
    };
    let (_, dy) = jvp(|x: &Array| bind1(bitcast, &[x]), &x, &jnp::ones_like(&x));
    assert_eq!(dy.to_vec::<u32>(), vec![0, 0, 0]);
    // An integer input contributes nothing: d/dx [x * float(i)] = float(i), and i's own
    // tangent is zero.
    let i = Array::from_vec(vec![2i32, -3, 5], [3]);
    let (out, dout) = jvp(
        |(x, i): &(Array, Array)| (x * &i.astype(DType::F32), jnp::abs(i)),
        &(x.clone(), i.clone()),
        &(jnp::ones_like(&x), jnp::zeros_like(&i)),
    );
    assert_eq!(dout.0.to_vec::<f32>(), vec![2.0, -3.0, 5.0]);
    assert_eq!(out.1.to_vec::<i32>(), vec![2, 3, 5]);
    assert_eq!(dout.1.to_vec::<i32>(), vec![0, 0, 0]);
}

#[test]
fn comparisons_have_zero_tangents() {
    let x = Array::from_vec(vec![1.0f64, -2.0, 0.5], [3]);
    let y = Array::from_vec(vec![1.0f64, 2.0, 0.0], [3]);
    for op in [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
    ] {
        let (b, db) = jvp(
            |(x, y): &(Array, Array)| bind1(op, &[x, y]),
            &(x.clone(), y.clone()),
            &(jnp::ones_like(&x), jnp::ones_like(&y)),
        );
        assert_eq!(b.dtype(), DType::Bool);
        assert_eq!(db.to_vec::<bool>(), vec![false; 3], "{op:?}");
        // A comparison feeding a select: only the selected case's tangent flows.
        let (_, pullback) = vjp(
            |(x, y): &(Array, Array)| {
                bind1(SelectOp::SelectN, &[&bind1(op, &[x, y]), x, &(y * 2.0)])
            },
            &(x.clone(), y.clone()),
        );
        let (gx, gy) = pullback.transpose(&jnp::ones_like(&x));
        let mask: Vec<bool> = host(&bind1(op, &[&x, &y]).astype(DType::F64))
            .iter()
            .map(|&v| v == 1.0)
            .collect();
        let want_x: Vec<f64> = mask.iter().map(|&m| if m { 0.0 } else { 1.0 }).collect();
        let want_y: Vec<f64> = mask.iter().map(|&m| if m { 2.0 } else { 0.0 }).collect();
        assert_eq!(host(&gx), want_x, "{op:?}");
        assert_eq!(host(&gy), want_y, "{op:?}");
    }
}

/// Random select_n operands: a bool (≤ 2 cases) or int32 predicate of the cases' shape or 0-d.
fn random_select(rng: &mut Rng, shape: &[usize], dtype: DType) -> (Array, Vec<Array>) {
    let bool_pred = rng.range(0, 2) == 0;
    let ncases = if bool_pred {
        rng.range(1, 3)
    } else {
        rng.range(1, 4)
    } as usize;
    let pshape: Vec<usize> = if rng.range(0, 3) == 0 {
        vec![]
    } else {
        shape.to_vec()
    };
    let n: usize = pshape.iter().product();
    let which = if bool_pred {
        Array::from_vec(
            (0..n)
                .map(|_| rng.range(0, ncases as i64) == 1)
                .collect::<Vec<bool>>(),
            pshape,
        )
    } else {
        Array::from_vec(
            (0..n)
                .map(|_| rng.range(0, ncases as i64) as i32)
                .collect::<Vec<i32>>(),
            pshape,
        )
    };
    let cases = (0..ncases)
        .map(|_| random_array(rng, shape, dtype))
        .collect();
    (which, cases)
}

fn select_n(which: &Array, cases: &[Array]) -> Array {
    let mut args = vec![which];
    args.extend(cases.iter());
    bind1(SelectOp::SelectN, &args)
}

#[test]
fn select_n_gradients_and_transpose() {
    let mut rng = Rng::new(4);
    for _ in 0..20 {
        let ndim = rng.range(0, 3) as usize;
        let shape = rng.shape(ndim, 3);
        let (which, cases) = random_select(&mut rng, &shape, DType::F64);
        let w2 = which.clone();
        check_grads(
            move |c: &Vec<Array>| select_n(&w2, c),
            &cases,
            1e-6,
            1e-9,
            1e-9,
        );
        // vjp against a loop: case k receives the cotangent where it was selected.
        let ct = random_array(&mut rng, &shape, DType::F64);
        let w2 = which.clone();
        let (_, pullback) = vjp(move |c: &Vec<Array>| select_n(&w2, c), &cases);
        let got = pullback.transpose(&ct);
        let idx = host(&which.astype(DType::F64));
        let n: usize = shape.iter().product();
        for (k, g) in got.iter().enumerate() {
            assert_eq!(g.shape(), &shape[..]);
            let want: Vec<f64> = (0..n)
                .map(|i| {
                    let sel = if idx.len() == 1 { idx[0] } else { idx[i] };
                    if sel as usize == k {
                        host(&ct)[i]
                    } else {
                        0.0
                    }
                })
                .collect();
            assert_eq!(
                host(g),
                want,
                "case {k} of {} with predicate {}",
                cases.len(),
                which.aval()
            );
        }
    }
}

#[test]
fn clamp_gradients_follow_jax_masks() {
    let mut rng = Rng::new(5);
    for _ in 0..20 {
        let ndim = rng.range(0, 3) as usize;
        let shape = rng.nonempty_shape(ndim, 3);
        let bound_shape = |rng: &mut Rng| {
            if rng.range(0, 2) == 0 {
                vec![]
            } else {
                shape.clone()
            }
        };
        let (ls, hs) = (bound_shape(&mut rng), bound_shape(&mut rng));
        // Bounds around ±1 and x in [-3, 3): away from ties with probability 1.
        let lo = uniform(&mut rng, &ls, -1.5, -0.5, false);
        let hi = uniform(&mut rng, &hs, 0.5, 1.5, false);
        let x = uniform(&mut rng, &shape, -3.0, 3.0, false);
        let args = vec![lo.clone(), x.clone(), hi.clone()];
        let clamp = |a: &Vec<Array>| bind1(SelectOp::Clamp, &[&a[0], &a[1], &a[2]]);
        if ls != shape || hs != shape {
            // A 0-d bound of a shaped x (which JAX's rule rejects): its tangent is broadcast,
            // so reverse mode needs broadcast_in_dim's transpose (the layout family); check
            // forward mode here.
            check_jvp(clamp, &args, &mut rng);
            continue;
        }
        check_grads(clamp, &args, 1e-6, 1e-9, 1e-9);
        // The cotangent of each operand against a loop.
        let ct = uniform(&mut rng, &shape, -1.0, 1.0, false);
        let (_, pullback) = vjp(clamp, &args);
        let got = pullback.transpose(&ct);
        let (l, xv, h, c) = (host(&lo), host(&x), host(&hi), host(&ct));
        let at = |v: &[f64], i: usize| if v.len() == 1 { v[0] } else { v[i] };
        let (mut gl, mut gx, mut gh) =
            (vec![0.0; l.len()], vec![0.0; xv.len()], vec![0.0; h.len()]);
        for i in 0..xv.len() {
            let (li, hi_) = (at(&l, i), at(&h, i));
            if xv[i] > li && xv[i] < hi_ {
                gx[i] += c[i];
            } else if li > xv[i] && li < hi_ {
                gl[if l.len() == 1 { 0 } else { i }] += c[i];
            } else if hi_ < xv[i] {
                gh[if h.len() == 1 { 0 } else { i }] += c[i];
            }
        }
        assert_close(&host(&got[0]), &gl, 1e-14, 1e-14, "clamp ct lo");
        assert_close(&host(&got[1]), &gx, 0.0, 0.0, "clamp ct x");
        assert_close(&host(&got[2]), &gh, 1e-14, 1e-14, "clamp ct hi");
    }
}

#[test]
fn fma_gradients_and_transpose() {
    let mut rng = Rng::new(6);
    for _ in 0..20 {
        let ndim = rng.range(0, 3) as usize;
        let shape = rng.nonempty_shape(ndim, 3);
        let shapes: Vec<Vec<usize>> = (0..3)
            .map(|_| {
                if rng.range(0, 3) == 0 {
                    vec![]
                } else {
                    shape.clone()
                }
            })
            .collect();
        let args: Vec<Array> = shapes
            .iter()
            .map(|s| uniform(&mut rng, s, -2.0, 2.0, false))
            .collect();
        let fma = |a: &Vec<Array>| bind1(FmaOp, &[&a[0], &a[1], &a[2]]);
        if shapes.iter().all(|s| *s == shape) {
            check_grads(fma, &args, 1e-6, 1e-9, 1e-9);
        } else {
            // A 0-d operand's tangent is broadcast (reverse mode needs the layout family).
            check_jvp(fma, &args, &mut rng);
        }
    }
    // The transpose rule directly (jvp emits mul/add, so vjp does not reach it): linear in x
    // and a 0-d z with y known, then in y with x known.
    let x = Array::from_vec(vec![1.0f64, 2.0, 3.0], [3]);
    let y = Array::from_vec(vec![4.0f64, -5.0, 6.0], [3]);
    let z = Array::scalar(0.5f64);
    let ct = Array::from_vec(vec![1.0f64, 10.0, 100.0], [3]);
    let fma = Primitive::from(FmaOp);
    let g = fma.transpose(
        &[Some(&ct)],
        &[
            LinearArg::Linear(x.aval()),
            LinearArg::Known(&y),
            LinearArg::Linear(z.aval()),
        ],
    );
    assert!(g[1].is_none());
    assert_eq!(host(g[0].as_ref().expect("ct x")), vec![4.0, -50.0, 600.0]);
    let gz = g[2].as_ref().expect("ct z");
    assert_eq!(gz.shape(), &[] as &[usize]);
    assert_eq!(gz.item::<f64>(), 111.0);
    let g = fma.transpose(
        &[Some(&ct)],
        &[
            LinearArg::Known(&x),
            LinearArg::Linear(y.aval()),
            LinearArg::Known(&z),
        ],
    );
    assert!(g[0].is_none() && g[2].is_none());
    assert_eq!(host(g[1].as_ref().expect("ct y")), vec![1.0, 20.0, 300.0]);
}

#[test]
#[should_panic(expected = "fma of two tangents is not linear")]
fn fma_of_two_tangents_has_no_transpose() {
    let x = Array::scalar(1.0f64);
    Primitive::from(FmaOp).transpose(
        &[Some(&x)],
        &[
            LinearArg::Linear(x.aval()),
            LinearArg::Linear(x.aval()),
            LinearArg::Known(&x),
        ],
    );
}

#[test]
fn neg_and_copy_transpose() {
    let x = Array::from_vec(vec![1.0f64, -2.0], [2]);
    let ct = Array::from_vec(vec![3.0f64, 5.0], [2]);
    for (op, sign) in [(UnaryOp::Neg, -1.0), (UnaryOp::Copy, 1.0)] {
        let (_, pullback) = vjp(un(op), &x);
        assert_eq!(
            host(&pullback.transpose(&ct)),
            vec![3.0 * sign, 5.0 * sign],
            "{op:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// JAX's values at special points.

/// The function a golden entry names (the same one `parity/ad_elementwise.py` differentiates).
fn special_fn(name: &str) -> Box<dyn Fn(&Array) -> Array> {
    let w = Array::weak_scalar::<f64>;
    let zero = move || w(0.0);
    match name {
        "abs" => Box::new(jnp::abs),
        "sqrt" => Box::new(jnp::sqrt),
        "cbrt" => Box::new(jnp::cbrt),
        "rsqrt" => Box::new(jnp::rsqrt),
        "log" => Box::new(jnp::log),
        "erf_inv" => Box::new(jnp::erfinv),
        "asin" => Box::new(jnp::arcsin),
        "acosh" => Box::new(jnp::arccosh),
        "atanh" => Box::new(jnp::arctanh),
        "sign" => Box::new(jnp::sign),
        "floor" => Box::new(jnp::floor),
        "round" => Box::new(jnp::round),
        "stop_gradient" => Box::new(lax::stop_gradient),
        "integer_pow0" => Box::new(|x| jnp::integer_pow(x, 0)),
        "integer_pow3" => Box::new(|x| jnp::integer_pow(x, 3)),
        "tanh" => Box::new(jnp::tanh),
        "logistic" => Box::new(nn::sigmoid),
        "digamma" => Box::new(jnp::digamma),
        "lgamma" => Box::new(jnp::gammaln),
        "where_pos" => Box::new(move |x| jnp::where_(&jnp::greater(x, &zero()), x, &zero())),
        "clip01" => Box::new(move |x| jnp::clip(x, Some(&zero()), Some(&w(1.0)))),
        "clamp01" => Box::new(|x| {
            bind1(
                SelectOp::Clamp,
                &[&Array::scalar(0.0f32), x, &Array::scalar(1.0f32)],
            )
        }),
        "maximum0" => Box::new(move |x| jnp::maximum(x, &zero())),
        "relu" => Box::new(nn::relu),
        "relu6" => Box::new(nn::relu6),
        "softplus" => Box::new(nn::softplus),
        "log_sigmoid" => Box::new(nn::log_sigmoid),
        "mish" => Box::new(nn::mish),
        "leaky_relu" => Box::new(nn::leaky_relu),
        "elu" => Box::new(nn::elu),
        "celu" => Box::new(nn::celu),
        "hard_tanh" => Box::new(nn::hard_tanh),
        "hard_sigmoid" => Box::new(nn::hard_sigmoid),
        "silu" => Box::new(nn::silu),
        "gelu" => Box::new(nn::gelu),
        other => panic!("no function for golden entry {other}"),
    }
}

#[test]
fn gradients_at_special_points_match_jax() {
    let g = golden();
    let entries = g.section("special_grads");
    assert!(entries.len() > 80);
    for e in entries.iter() {
        let name = e["name"].as_str().expect("name");
        let x = gf(&e["x"]) as f32;
        let want = gf(&e["grad"]);
        let got = grad(special_fn(name))(&Array::scalar(x)).item::<f64>();
        assert_close(
            &[got],
            &[want],
            1e-5,
            1e-12,
            &format!("grad {name} at {x:?}"),
        );
    }
    g.assert_sections_read(&["special_grads"]);
}

#[test]
fn relu_values_are_unchanged_by_the_select_form() {
    let x = Array::from_vec(
        vec![
            -2.0f32,
            -0.0,
            0.0,
            1.5,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ],
        [7],
    );
    let y = nn::relu(&x).to_vec::<f32>();
    let want = [0.0f32, 0.0, 0.0, 1.5, f32::NAN, f32::INFINITY, 0.0];
    assert_same_bits(
        &y.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        &want.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        "relu",
    );
    let y6 = nn::relu6(&x).to_vec::<f32>();
    let want6 = [0.0f32, 0.0, 0.0, 1.5, f32::NAN, 6.0, 0.0];
    assert_same_bits(
        &y6.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        &want6.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        "relu6",
    );
    assert_eq!(
        nn::relu(&Array::from_vec(vec![-3i32, 4], [2])).to_vec::<i32>(),
        vec![0, 4]
    );
}

#[test]
fn logaddexp_gradients_match_jax() {
    let g = golden();
    for e in g.section("logaddexp_grads").iter() {
        let (a, b) = (gf(&e["x1"]) as f32, gf(&e["x2"]) as f32);
        let f = grad(|(a, b): &(Array, Array)| jnp::logaddexp(a, b));
        let (ga, gb) = f(&(Array::scalar(a), Array::scalar(b)));
        let want = [gf(&e["g1"]), gf(&e["g2"])];
        assert_close(
            &[ga.item::<f64>(), gb.item::<f64>()],
            &want,
            1e-6,
            1e-12,
            &format!("logaddexp at ({a}, {b})"),
        );
    }
    g.assert_sections_read(&["logaddexp_grads"]);
    // Away from ties the derivative is exp(x1 - out), to f64 precision.
    let mut rng = Rng::new(7);
    let args = vec![
        uniform(&mut rng, &[5], -3.0, 3.0, false),
        uniform(&mut rng, &[5], -3.0, 3.0, false),
    ];
    check_grads(
        |a: &Vec<Array>| jnp::logaddexp(&a[0], &a[1]),
        &args,
        1e-6,
        1e-8,
        1e-10,
    );
}

#[test]
fn clamp_gradients_at_ties_match_jax() {
    let g = golden();
    for e in g.section("clamp_grads").iter() {
        let (lo, x, hi) = (gf(&e["lo"]) as f32, gf(&e["x"]) as f32, gf(&e["hi"]) as f32);
        let f = grad(|a: &(Array, Array, Array)| bind1(SelectOp::Clamp, &[&a.0, &a.1, &a.2]));
        let (gl, gx, gh) = f(&(Array::scalar(lo), Array::scalar(x), Array::scalar(hi)));
        let want: Vec<f64> = e["grads"]
            .as_array()
            .expect("grads")
            .iter()
            .map(gf)
            .collect();
        assert_eq!(
            vec![gl.item::<f64>(), gx.item::<f64>(), gh.item::<f64>()],
            want,
            "clamp({lo}, {x}, {hi})"
        );
    }
    g.assert_sections_read(&["clamp_grads"]);
}

// ---------------------------------------------------------------------------------------------
// Polygamma (the derivative of digamma) against scipy.

#[test]
fn polygamma_matches_scipy() {
    let g = golden();
    for e in g.section("polygamma").iter() {
        let n = e["n"].as_u64().expect("order") as u32;
        let x = gf(&e["x"]);
        let want = gf(&e["value"]);
        let got = bind1(UnaryOp::Polygamma(n), &[&Array::scalar(x)]).item::<f64>();
        // Negative arguments go through |x| recurrence steps whose terms alternate in sign for
        // even n; a few hundred ulp of cancellation are possible there.
        let rtol = if x < 0.0 { 1e-12 } else { 4e-15 };
        assert_close(
            &[got],
            &[want],
            rtol,
            0.0,
            &format!("polygamma({n}, {x}) f64"),
        );
        if (x as f32) as f64 != x {
            continue;
        }
        let got32 = bind1(UnaryOp::Polygamma(n), &[&Array::scalar(x as f32)]).item::<f32>();
        let want32 = want as f32;
        if want32.is_finite() {
            assert_close(
                &[got32 as f64],
                &[want32 as f64],
                2.5e-7,
                0.0,
                &format!("polygamma({n}, {x}) f32"),
            );
        } else {
            assert_eq!(got32, want32, "polygamma({n}, {x}) f32");
        }
    }
    g.assert_sections_read(&["polygamma"]);
}

#[test]
fn digamma_and_lgamma_derivatives_use_polygamma() {
    // d/dx lgamma = digamma, d/dx digamma = polygamma(1), d/dx polygamma(1) = polygamma(2).
    let x = Array::from_vec(vec![0.7f64, 2.5, 5.0], [3]);
    let ones = jnp::ones_like(&x);
    let (_, d) = jvp(jnp::gammaln, &x, &ones);
    assert_eq!(host(&d), host(&jnp::digamma(&x)));
    let (_, d) = jvp(jnp::digamma, &x, &ones);
    assert_eq!(host(&d), host(&bind1(UnaryOp::Polygamma(1), &[&x])));
    let (_, d) = jvp(un(UnaryOp::Polygamma(1)), &x, &ones);
    assert_eq!(host(&d), host(&bind1(UnaryOp::Polygamma(2), &[&x])));
}

#[test]
#[should_panic(expected = "polygamma: order m = 0 is digamma")]
fn polygamma_of_order_zero_is_rejected() {
    bind1(UnaryOp::Polygamma(0), &[&Array::scalar(1.0f32)]);
}

#[test]
#[should_panic(expected = "clamp is not linear")]
fn clamp_has_no_transpose() {
    let aval = Array::scalar(1.0f32).aval().clone();
    let one = Array::scalar(1.0f32);
    Primitive::from(SelectOp::Clamp).transpose(
        &[Some(&one)],
        &[
            LinearArg::Known(&one),
            LinearArg::Linear(&aval),
            LinearArg::Known(&one),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// The batching law: vmap(f) equals f applied lane by lane and stacked.

/// Checks `vmap_with(f)` with `in_axes`/`out_axis` against `f` on each lane, stacked along
/// `out_axis`. Results must agree exactly (the same kernels run on the same values).
fn check_batching(
    f: impl Fn(&Vec<Array>) -> Array + Clone + 'static,
    args: &[Array],
    in_axes: &[Option<isize>],
    out_axis: isize,
    what: &str,
) {
    let size = args
        .iter()
        .zip(in_axes)
        .find_map(|(a, ax)| ax.map(|ax| a.shape()[ax.rem_euclid(a.ndim() as isize) as usize]))
        .expect("one mapped operand");
    let spec = VmapSpec::default()
        .in_axes(in_axes.to_vec())
        .out_axes(out_axis);
    let got = vmap_with(f.clone(), spec)(&args.to_vec());
    let lanes: Vec<Array> = (0..size)
        .map(|i| {
            let lane_args: Vec<Array> = args
                .iter()
                .zip(in_axes)
                .map(|(a, ax)| match ax {
                    Some(ax) => jnp::take(a, &Array::scalar(i as i32), Some(*ax)),
                    None => a.clone(),
                })
                .collect();
            f(&lane_args)
        })
        .collect();
    let refs: Vec<&Array> = lanes.iter().collect();
    let want = jnp::stack(&refs, out_axis);
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    assert_same_bits(&host(&got), &host(&want), what);
}

/// A per-example array of `shape`, batched with `size` lanes at a random axis (returned as a
/// possibly negative in_axes entry), or unbatched (`None`) when `mapped` is false.
fn batched(
    rng: &mut Rng,
    shape: &[usize],
    size: usize,
    dtype: DType,
    mapped: bool,
) -> (Array, Option<isize>) {
    if !mapped {
        return (random_array(rng, shape, dtype), None);
    }
    let axis = rng.range(0, shape.len() as i64 + 1) as usize;
    let mut s = shape.to_vec();
    s.insert(axis, size);
    let x = random_array(rng, &s, dtype);
    let x = relayout(rng, &x);
    let ax = if rng.range(0, 2) == 0 {
        axis as isize
    } else {
        axis as isize - s.len() as isize
    };
    (x, Some(ax))
}

/// A random out_axes entry for a per-example output of rank `ndim`.
fn out_axis(rng: &mut Rng, ndim: usize) -> isize {
    let a = rng.range(0, ndim as i64 + 1);
    if rng.range(0, 2) == 0 {
        a as isize
    } else {
        a as isize - ndim as isize - 1
    }
}

/// `n` mapped flags, at least one true.
fn mapped_flags(rng: &mut Rng, n: usize) -> Vec<bool> {
    let mut m: Vec<bool> = (0..n).map(|_| rng.range(0, 2) == 0).collect();
    let k = rng.range(0, n as i64) as usize;
    m[k] = true;
    m
}

#[test]
fn unary_batching() {
    use UnaryOp::*;
    let mut rng = Rng::new(8);
    let mut ops: Vec<(UnaryOp, DType)> = smooth_unary_ops()
        .into_iter()
        .map(|(op, ..)| (op, DType::F32))
        .collect();
    ops.extend(
        piecewise_constant_ops()
            .into_iter()
            .map(|op| (op, DType::F64)),
    );
    ops.extend([
        (IsFinite, DType::F32),
        (Neg, DType::I32),
        (Abs, DType::I64),
        (Sign, DType::I32),
        (IntegerPow(3), DType::U32),
        (Square, DType::I32),
        (Not, DType::Bool),
        (Not, DType::U8),
        (PopulationCount, DType::I32),
        (Clz, DType::U32),
        (Copy, DType::Bool),
        (StopGradient, DType::I32),
    ]);
    for (op, dtype) in ops {
        let rank = rng.range(0, 3) as usize;
        let shape = rng.shape(rank, 3);
        let size = rng.range(1, 4) as usize;
        let (x, ax) = batched(&mut rng, &shape, size, dtype, true);
        let oa = out_axis(&mut rng, shape.len());
        check_batching(
            move |a: &Vec<Array>| bind1(op, &[&a[0]]),
            &[x],
            &[ax],
            oa,
            &format!("{op:?} {dtype}"),
        );
    }
}

#[test]
fn compare_and_fma_batching() {
    let mut rng = Rng::new(9);
    let prims: Vec<(Primitive, usize, DType)> = vec![
        (CompareOp::Eq.into(), 2, DType::I32),
        (CompareOp::Ne.into(), 2, DType::F32),
        (CompareOp::Lt.into(), 2, DType::F64),
        (CompareOp::Le.into(), 2, DType::U8),
        (CompareOp::Gt.into(), 2, DType::F32),
        (CompareOp::Ge.into(), 2, DType::Bool),
        (FmaOp.into(), 3, DType::F32),
        (FmaOp.into(), 3, DType::F64),
    ];
    for _ in 0..4 {
        for (prim, arity, dtype) in &prims {
            let rank = rng.range(0, 3) as usize;
            let shape = rng.shape(rank, 3);
            let size = rng.range(1, 4) as usize;
            let flags = mapped_flags(&mut rng, *arity);
            let (mut args, mut axes) = (vec![], vec![]);
            for m in flags {
                let s: Vec<usize> = if rng.range(0, 3) == 0 {
                    vec![]
                } else {
                    shape.clone()
                };
                let (x, ax) = batched(&mut rng, &s, size, *dtype, m);
                args.push(x);
                axes.push(ax);
            }
            let p = prim.clone();
            let oa = out_axis(&mut rng, shape.len());
            check_batching(
                move |a: &Vec<Array>| {
                    let refs: Vec<&Array> = a.iter().collect();
                    bind1(p.clone(), &refs)
                },
                &args,
                &axes,
                oa,
                &format!("{} {dtype} {:?}", prim.name(), axes),
            );
        }
    }
}

#[test]
fn select_n_batching() {
    let mut rng = Rng::new(10);
    for _ in 0..40 {
        let rank = rng.range(0, 3) as usize;
        let shape = rng.shape(rank, 3);
        let size = rng.range(1, 4) as usize;
        let (which, cases) = random_select(&mut rng, &shape, DType::F32);
        let flags = mapped_flags(&mut rng, cases.len() + 1);
        let mut args = vec![];
        let mut axes = vec![];
        // The predicate: `which`'s per-example shape and dtype, batched or not.
        if flags[0] {
            let axis = rng.range(0, which.ndim() as i64 + 1) as usize;
            let mut s = which.shape().to_vec();
            s.insert(axis, size);
            let n: usize = s.iter().product();
            let k = cases.len() as i64;
            let vals: Vec<i32> = (0..n).map(|_| rng.range(0, k) as i32).collect();
            args.push(Array::from_vec(vals, s).astype(which.dtype()));
            axes.push(Some(axis as isize));
        } else {
            args.push(which.clone());
            axes.push(None);
        }
        for (c, &m) in cases.iter().zip(&flags[1..]) {
            let (x, ax) = batched(&mut rng, c.shape(), size, DType::F32, m);
            args.push(x);
            axes.push(ax);
        }
        let oa = out_axis(&mut rng, shape.len());
        check_batching(
            |a: &Vec<Array>| {
                let refs: Vec<&Array> = a.iter().collect();
                bind1(SelectOp::SelectN, &refs)
            },
            &args,
            &axes,
            oa,
            &format!("select_n {} cases {:?}", cases.len(), axes),
        );
    }
}

#[test]
fn clamp_batching() {
    let mut rng = Rng::new(11);
    for _ in 0..40 {
        let rank = rng.range(0, 3) as usize;
        let shape = rng.shape(rank, 3);
        let size = rng.range(1, 4) as usize;
        let flags = mapped_flags(&mut rng, 3);
        let dtype = if rng.range(0, 2) == 0 {
            DType::F32
        } else {
            DType::I32
        };
        let (mut args, mut axes) = (vec![], vec![]);
        for (i, &m) in flags.iter().enumerate() {
            let s: Vec<usize> = if i != 1 && (shape.is_empty() || rng.range(0, 2) == 0) {
                vec![]
            } else {
                shape.clone()
            };
            let (x, ax) = batched(&mut rng, &s, size, dtype, m);
            args.push(x);
            axes.push(ax);
        }
        let oa = out_axis(&mut rng, shape.len());
        check_batching(
            |a: &Vec<Array>| bind1(SelectOp::Clamp, &[&a[0], &a[1], &a[2]]),
            &args,
            &axes,
            oa,
            &format!("clamp {dtype} {:?}", axes),
        );
    }
}

#[test]
fn clamp_batching_with_scalar_x_and_batched_bounds() {
    // x is 0-d and unbatched while the bounds are per-example scalars: x must be broadcast.
    let lo = Array::from_vec(vec![-1.0f32, 0.5, 2.0], [3]);
    let x = Array::scalar(1.0f32);
    let hi = Array::scalar(1.5f32);
    let f = vmap_with(
        |a: &Vec<Array>| bind1(SelectOp::Clamp, &[&a[0], &a[1], &a[2]]),
        VmapSpec::default().in_axes(vec![Some(0), None, None]),
    );
    assert_eq!(f(&vec![lo, x, hi]).to_vec::<f32>(), vec![1.0, 1.0, 1.5]);
}

#[test]
fn convert_batching() {
    let mut rng = Rng::new(12);
    let ops = [
        (
            ConvertOp::ConvertElementType {
                new_dtype: DType::I32,
                weak_type: false,
            },
            DType::F32,
        ),
        (
            ConvertOp::ConvertElementType {
                new_dtype: DType::F64,
                weak_type: false,
            },
            DType::F32,
        ),
        (
            ConvertOp::ConvertElementType {
                new_dtype: DType::F16,
                weak_type: false,
            },
            DType::U8,
        ),
        (
            ConvertOp::BitcastConvertType {
                new_dtype: DType::U32,
            },
            DType::F32,
        ),
        (
            ConvertOp::BitcastConvertType {
                new_dtype: DType::F64,
            },
            DType::I64,
        ),
    ];
    for (op, from) in ops {
        for _ in 0..3 {
            let rank = rng.range(0, 3) as usize;
            let shape = rng.shape(rank, 3);
            let size = rng.range(1, 4) as usize;
            let (x, ax) = batched(&mut rng, &shape, size, from, true);
            let oa = out_axis(&mut rng, shape.len());
            check_batching(
                move |a: &Vec<Array>| bind1(op, &[&a[0]]),
                &[x],
                &[ax],
                oa,
                &format!("{op:?}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Compositions.

#[test]
fn vmap_of_grad_matches_per_element_grad() {
    let mut rng = Rng::new(13);
    for (op, lo, hi, sym) in smooth_unary_ops() {
        let x = uniform(&mut rng, &[4], lo, hi, sym);
        let per_example = vmap(grad(un(op)))(&x);
        for i in 0..4 {
            let xi = jnp::take(&x, &Array::scalar(i as i32), Some(0));
            let gi = grad(un(op))(&xi).item::<f64>();
            assert_eq!(host(&per_example)[i], gi, "{op:?} lane {i}");
        }
    }
    // Select and clamp: per-lane masks.
    let x = Array::from_vec(vec![-2.0f64, 0.0, 0.5, 3.0], [4]);
    let relu_grads = vmap(grad(nn::relu))(&x);
    assert_eq!(host(&relu_grads), vec![0.0, 0.0, 1.0, 1.0]);
    let clamp_grads = vmap(grad(|x: &Array| {
        bind1(
            SelectOp::Clamp,
            &[&Array::scalar(0.0f64), x, &Array::scalar(1.0f64)],
        )
    }))(&x);
    assert_eq!(host(&clamp_grads), vec![0.0, 0.0, 1.0, 0.0]);
}

#[test]
fn second_derivatives_match_finite_differences_of_the_first() {
    let mut rng = Rng::new(14);
    let h = 1e-5;
    for (op, lo, hi, sym) in smooth_unary_ops() {
        let x = host(&uniform(&mut rng, &[], lo + 0.05, hi - 0.05, sym))[0];
        let d1 = grad(un(op));
        let d2 = grad(grad(un(op)))(&Array::scalar(x)).item::<f64>();
        let fd = (d1(&Array::scalar(x + h)).item::<f64>()
            - d1(&Array::scalar(x - h)).item::<f64>())
            / (2.0 * h);
        assert_close(
            &[d2],
            &[fd],
            1e-6,
            1e-6,
            &format!("second derivative of {op:?} at {x}"),
        );
    }
    // Through select and clamp the second derivative is zero; through fma it is the cross term.
    let x = Array::scalar(0.5f64);
    assert_eq!(grad(grad(nn::relu))(&x).item::<f64>(), 0.0);
    let fma_sq = |x: &Array| bind1(FmaOp, &[x, x, &Array::scalar(1.0f64)]);
    assert_eq!(grad(grad(fma_sq))(&x).item::<f64>(), 2.0);
    let softplus2 = grad(grad(nn::softplus))(&Array::scalar(0.0f64)).item::<f64>();
    assert_close(&[softplus2], &[0.25], 1e-12, 0.0, "softplus'' at 0");
}

#[test]
fn jit_of_grad_equals_grad() {
    let mut rng = Rng::new(15);
    for (op, lo, hi, sym) in smooth_unary_ops() {
        let f = move |x: &Array| bind1(op, &[x]);
        let jg = Jit::new(grad(f));
        for _ in 0..2 {
            let x = uniform(&mut rng, &[], lo, hi, sym);
            let g = grad(f)(&x);
            assert_close(
                &host(&jg.call(&x)),
                &host(&g),
                1e-15,
                0.0,
                &format!("jit(grad({op:?}))"),
            );
        }
        assert_eq!(jg.trace_count(), 1, "{op:?} traced once");
    }
}

#[test]
fn linear_programs_of_selects_transpose_through_jit() {
    // grad of a where inside jit: the staged select_n is transposed by the backward pass.
    let f = |x: &Array| {
        jnp::where_(
            &jnp::greater(x, &Array::weak_scalar(0.0)),
            &(x * x),
            &(x * 3.0),
        )
    };
    let x = Array::scalar(2.0f64);
    assert_eq!(jit(grad(f))(&x).item::<f64>(), 4.0);
    assert_eq!(jit(grad(f))(&Array::scalar(-2.0f64)).item::<f64>(), 3.0);
}

// ---------------------------------------------------------------------------------------------
// make_jaxpr text against JAX 0.10.2.

#[test]
fn jaxprs_match_jax() {
    let g = golden();
    let jaxprs = g.section("jaxprs");
    let want = |k: &str| jaxprs[k].as_str().expect("jaxpr").to_string();
    let x3 = jnp::ones([3]);
    let jvp_of = |f: fn(&Array) -> Array| move |x: &Array| jvp(f, x, x);
    assert_eq!(
        make_jaxpr(jvp_of(jnp::sqrt))(&x3).to_string(),
        want("jvp_sqrt")
    );
    assert_eq!(
        make_jaxpr(jvp_of(jnp::tanh))(&x3).to_string(),
        want("jvp_tanh")
    );
    assert_eq!(
        make_jaxpr(jvp_of(jnp::abs))(&x3).to_string(),
        want("jvp_abs")
    );
    assert_eq!(
        make_jaxpr(jvp_of(|x| jnp::integer_pow(x, 3)))(&x3).to_string(),
        want("jvp_integer_pow")
    );
    assert_eq!(
        make_jaxpr(|x: &Array| x.astype(DType::I32))(&x3).to_string(),
        want("convert")
    );
    assert_eq!(make_jaxpr(jnp::round)(&x3).to_string(), want("round"));
    // lax.clamp(0.0, y, 1.0) under jvp: the tangent passes where lo < x < hi.
    let clamp01 = |y: &Array| {
        let (lo, hi) = (Array::scalar(0.0f32), Array::scalar(1.0f32));
        bind1(SelectOp::Clamp, &[&lo, y, &hi])
    };
    assert_eq!(
        make_jaxpr(move |x: &Array| jvp(clamp01, x, x))(&x3).to_string(),
        want("jvp_clamp")
    );
    // vmap of lax.select(p, x, -x), i.e. select_n(p, -x, x).
    let select = |p: &Array, x: &Array| bind1(SelectOp::SelectN, &[p, &-x, x]);
    assert_eq!(
        make_jaxpr(vmap(select))(&jnp::ones_dtype([3], DType::Bool), &x3).to_string(),
        want("vmap_select")
    );
    g.assert_sections_read(&["jaxprs"]);
}
