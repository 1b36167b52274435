//! `jit`: compiled programs agree bit for bit with eager evaluation (fast-path kernels and the
//! eager fallback), retrace exactly when the signature changes, close over arrays, and replay
//! under grad and vmap.
use crate::common;

use common::{assert_same_bits, random_array, relayout, special_floats, Rng};
use equinox_core::compiler::executable::Executable;
use equinox_core::compiler::optimize::optimize;
use equinox_core::prims::{bind1, fma::FmaOp};
use equinox_core::transforms::{grad, jit, make_jaxpr, vmap, Jit};
use equinox_core::tree::{self, PyTree, Static};
use equinox_core::{lax, nn, numpy as jnp, Array, DType};

/// Runs `f` eagerly and jitted (twice, so the second run reuses the planned buffers) and
/// checks every output leaf: same abstract value, same bits.
fn check<T: PyTree, R: PyTree>(f: impl Fn(&T) -> R, x: &T, what: &str) {
    let want: Vec<Array> = tree::leaves(&f(x)).into_iter().cloned().collect();
    let jf = Jit::new(&f);
    for round in 0..2 {
        let got_tree = jf.call(x);
        let got: Vec<Array> = tree::leaves(&got_tree).into_iter().cloned().collect();
        assert_eq!(got.len(), want.len(), "{what}: number of outputs");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(
                g.aval(),
                w.aval(),
                "{what}: output {i} abstract value (round {round})"
            );
            assert_same_bits(
                &g.to_vec::<f64>(),
                &w.to_vec::<f64>(),
                &format!("{what}: output {i} (round {round})"),
            );
        }
    }
    assert_eq!(jf.trace_count(), 1, "{what}: traced once");
}

fn elementwise_chain(x: &Array) -> (Array, Array, Array, Array) {
    let a = x * 2.0 + 1.0;
    let b = a.tanh() + a.exp() - x.sin() * x.cos();
    let c = b.maximum(x).minimum(&(x * 3.0));
    let d = c.abs().sqrt() + c.abs().log1p() + x.expm1() - x.sign() * x.square();
    let e = (x.abs() + 1.0).pow(&(x * 0.5)) / (x.abs() + 0.5).rsqrt() + (-x).exp().log();
    let s = nn::sigmoid(&e) - &e;
    (d, e, s, c)
}

#[test]
fn elementwise_fast_path_is_bit_exact() {
    let mut rng = Rng::new(1);
    for dtype in [DType::F32, DType::F64] {
        for shape in [vec![5, 7], vec![], vec![0, 3], vec![300, 300]] {
            let x = special_floats(&mut rng, &shape, dtype);
            check(elementwise_chain, &x, &format!("chain {dtype} {shape:?}"));
        }
    }
}

#[test]
fn compare_select_convert_and_fma_are_bit_exact() {
    let mut rng = Rng::new(2);
    for dtype in [DType::F32, DType::F64] {
        let x = special_floats(&mut rng, &[4, 9], dtype);
        let y = special_floats(&mut rng, &[4, 9], dtype);
        let z = random_array(&mut rng, &[4, 9], dtype);
        let f = |(x, y, z): &(Array, Array, Array)| {
            let m = jnp::where_(&jnp::greater(x, y), x, y);
            let le = jnp::less_equal(x, y);
            let eq = jnp::equal(x, y).astype(DType::F32);
            let ints = x.clip(-100.0, 100.0).astype(DType::I32);
            let back = ints.astype(DType::F64) + 0.5;
            let int_cmp = jnp::not_equal(&ints, &(&ints * 2));
            let f = bind1(FmaOp, &[x, y, z]);
            let widened = x.astype(DType::F64).astype(DType::F32);
            (m, le, eq, back, int_cmp, f, widened)
        };
        check(f, &(x, y, z), &format!("compare/select/convert {dtype}"));
    }
}

#[test]
fn select_with_broadcast_operands_picks_the_right_case() {
    // A scalar predicate (or case) reaches the select kernel as a length-1 operand, which takes
    // the broadcasting loop rather than the equal-length one; both must pick `on_true` where
    // the predicate holds (the broadcasting loop once swapped the cases, so `jnp.digitize`,
    // whose `where` has a scalar predicate, gave reversed bins under jit).
    let mut rng = Rng::new(3);
    for dtype in [DType::F32, DType::F64, DType::I32] {
        let x = random_array(&mut rng, &[6], DType::F32).astype(dtype);
        let y = (&x * 3).astype(dtype);
        for p in [true, false] {
            let f = |(x, y): &(Array, Array)| {
                let scalar_pred = jnp::where_(&Array::scalar(p), x, y);
                let scalar_case =
                    jnp::where_(&jnp::greater(x, y), x, &Array::scalar(7).astype(dtype));
                (scalar_pred, scalar_case)
            };
            check(
                f,
                &(x.clone(), y.clone()),
                &format!("select {dtype} pred={p}"),
            );
            let (got, _) = jit(f)(&(x.clone(), y.clone()));
            let want = if p { &x } else { &y };
            assert_same_bits(
                &got.to_vec::<f64>(),
                &want.to_vec::<f64>(),
                "scalar predicate",
            );
        }
    }
    let bins = Array::from_vec(vec![0.42f32, 1.88], [2]);
    let xs = Array::from_vec(vec![0.1f32, 0.5, 1.0, 2.0, 5.0], [5]);
    let d = |x: &Array| jnp::digitize(x, &bins, false);
    assert_eq!(jit(vmap(d))(&xs).to_vec::<i32>(), vec![0, 1, 1, 2, 2]);
}

#[test]
fn layout_reductions_and_matmul_are_bit_exact() {
    let mut rng = Rng::new(3);
    for dtype in [DType::F32, DType::F64] {
        for (m, k, n) in [(6, 4, 5), (1, 7, 1), (0, 3, 2), (3, 0, 2), (130, 70, 90)] {
            let x = random_array(&mut rng, &[m, k], dtype);
            let w = random_array(&mut rng, &[k, n], dtype);
            let b = random_array(&mut rng, &[n], dtype);
            let f = |(x, w, b): &(Array, Array, Array)| {
                let h = x.matmul(w) + b;
                let t = h.transpose(&[1, 0]);
                // lhs contracted on its leading axis: a strided view, no copy.
                let dn = lax::DotDimensionNumbers::new((&[0], &[0]), (&[], &[]));
                let xtx = lax::dot_general(x, x, dn, None);
                let r = jnp::flip(&h, [0, 1]);
                (h.sum(0), h.sum(1), t.sum(None), xtx, r, h.reshape([-1]))
            };
            check(f, &(x, w, b), &format!("matmul {dtype} {m}x{k}x{n}"));
        }
    }
}

#[test]
fn transposed_inputs_and_large_reductions() {
    let mut rng = Rng::new(4);
    let x = random_array(&mut rng, &[300, 260], DType::F32);
    let x = relayout(&mut rng, &x);
    let f = |x: &Array| {
        (
            x.sum(0),
            x.sum(1),
            x.sum(None),
            x.reshape([260, 300]).sum(0),
        )
    };
    check(f, &x, "large sums");
}

#[test]
fn fused_loops_with_broadcasts_several_outputs_and_mixed_dtypes_are_bit_exact() {
    // A dense layer's forward and backward elementwise work: bias broadcast along rows, a
    // column broadcast, a transposed operand, a ReLU mask (bool) kept as an output, a
    // conversion, and an intermediate that is both read later and returned. Sizes cross the
    // fused loop's block boundary and (for the largest) its multi-threaded split.
    let mut rng = Rng::new(11);
    for (rows, cols) in [(3, 1000), (1, 1), (700, 300)] {
        for dtype in [DType::F32, DType::F64] {
            let x = random_array(&mut rng, &[rows, cols], dtype);
            let bias = random_array(&mut rng, &[cols], dtype);
            let scale = random_array(&mut rng, &[rows, 1], dtype);
            let t = random_array(&mut rng, &[cols, rows], dtype);
            let f = |(x, bias, scale, t): &(Array, Array, Array, Array)| {
                let pre = x + bias;
                let zero = jnp::zeros_like(&pre);
                let mask = jnp::less_equal(&pre, &zero);
                let relu = jnp::where_(&mask, &zero, &pre);
                let y = (&relu * scale + t.transpose(&[1, 0])).tanh();
                let counted = mask.astype(dtype) * 2.0 - &y;
                (mask, pre, counted, y.exp())
            };
            check(
                f,
                &(x, bias, scale, t),
                &format!("fused {dtype} {rows}x{cols}"),
            );
        }
    }
}

#[test]
fn every_float_unary_op_runs_the_eager_formula_under_jit() {
    use equinox_core::prims::unary::UnaryOp::{self, *};
    let ops: Vec<UnaryOp> = vec![
        Neg,
        Sign,
        Abs,
        Floor,
        Ceil,
        Round {
            to_nearest_even: true,
        },
        Round {
            to_nearest_even: false,
        },
        Exp,
        Exp2,
        Log,
        Log1p,
        Expm1,
        Tanh,
        Logistic,
        Sin,
        Cos,
        Tan,
        Asin,
        Acos,
        Atan,
        Sinh,
        Cosh,
        Asinh,
        Acosh,
        Atanh,
        Sqrt,
        Rsqrt,
        Cbrt,
        Erf,
        Erfc,
        ErfInv,
        Lgamma,
        Digamma,
        Polygamma(1),
        IntegerPow(3),
        IntegerPow(-2),
        Square,
    ];
    let mut rng = Rng::new(12);
    for dtype in [DType::F32, DType::F64] {
        // 300 elements: past the size below which the executor leaves operations unfused.
        let x = special_floats(&mut rng, &[300], dtype);
        let f =
            |x: &Array| -> Vec<Array> { ops.iter().map(|op| bind1(*op, &[&(x * 0.5)])).collect() };
        check(f, &x, &format!("unary ops {dtype}"));
    }
}

#[test]
fn fallback_primitives_are_bit_exact() {
    let mut rng = Rng::new(5);
    let x = random_array(&mut rng, &[3, 4, 5], DType::F32);
    let h = random_array(&mut rng, &[3, 4], DType::F16);
    let i = random_array(&mut rng, &[3, 4], DType::I32);
    let f = |(x, h, i): &(Array, Array, Array)| {
        // Middle-axis reduction, batched product, scans, sorts, half floats, integer ops (and
        // exp2/floor, which share the eager formulas through `float_unary_map`).
        let mid = x.sum(1);
        let batched = x.matmul(&x.transpose(&[0, 2, 1]));
        let c = x.cumsum(2);
        let s = x.sort(1);
        let hh = (h * 2.0).exp() + h;
        let ii = (i * 3 + 1) / 2;
        let e2 = x.exp2().floor();
        (mid, batched, c, s, hh, ii, e2)
    };
    check(f, &(x, h, i), "fallbacks");
}

/// Static slices (compiled as strided copies, which fused loops also read in place) and pads
/// (a compiled fill and window copy) give eager bits: strided and offset slices feeding
/// elementwise loops, and pads with negative (cropping), interior and large padding, of
/// f32, f64, i32 and f16 operands.
#[test]
fn slices_and_pads_are_bit_exact() {
    let mut rng = Rng::new(9);
    for dtype in [DType::F32, DType::F64, DType::I32, DType::F16] {
        let x = random_array(&mut rng, &[6, 7, 9], dtype);
        let f = |x: &Array| {
            let a = lax::slice(x, &[1, 0, 2], &[5, 7, 9], None);
            let b = lax::slice(x, &[0, 1, 0], &[6, 7, 9], Some(&[2, 3, 2]));
            let c = lax::slice(x, &[2, 3, 4], &[2, 5, 9], None);
            let zero = jnp::zeros_dtype([], x.dtype());
            let one = jnp::ones_dtype([], x.dtype());
            let p = lax::pad(x, &zero, &[(1, 2, 0), (-2, 3, 1), (0, -4, 2)]);
            let q = lax::pad(&a, &one, &[(0, 0, 0), (2, 2, 0), (-3, -3, 0)]);
            // A whole axis cropped away, and the sum of disjoint pads reverse mode makes.
            let r = lax::pad(x, &one, &[(-6, 1, 0), (0, 0, 0), (0, 0, 0)]);
            let row = lax::slice(x, &[0, 0, 0], &[1, 1, 9], None).reshape([9]);
            let pieces =
                [(0, 18), (9, 9), (18, 0)].map(|(lo, hi)| lax::pad(&row, &zero, &[(lo, hi, 0)]));
            let joined = &(&pieces[0] + &pieces[1]) + &pieces[2];
            (&a + &a, b * 2.0, c, p, q, r, joined)
        };
        check(f, &x, &format!("slices and pads of {dtype}"));
    }
}

#[test]
fn outputs_survive_later_calls_and_may_alias_inputs() {
    let jf = Jit::new(|x: &Array| {
        let y = x * 2.0;
        (y.clone(), y.reshape([2, 2]), x.clone(), (&y + 1.0).exp())
    });
    let a = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]);
    let b = Array::from_vec(vec![-1.0f32, -2.0, -3.0, -4.0], [4]);
    let first = jf.call(&a);
    let second = jf.call(&b);
    assert_eq!(first.0.to_vec::<f32>(), vec![2.0, 4.0, 6.0, 8.0]);
    assert_eq!(first.1.shape(), &[2, 2]);
    assert_eq!(first.1.to_vec::<f32>(), vec![2.0, 4.0, 6.0, 8.0]);
    assert!(first.2.ptr_eq(&a));
    assert_eq!(second.0.to_vec::<f32>(), vec![-2.0, -4.0, -6.0, -8.0]);
    assert_eq!(
        second.3.to_vec::<f32>(),
        (&b * 2.0 + 1.0).exp().to_vec::<f32>()
    );
    drop(first);
    let third = jf.call(&a);
    assert_eq!(third.0.to_vec::<f32>(), vec![2.0, 4.0, 6.0, 8.0]);
    assert_eq!(second.0.to_vec::<f32>(), vec![-2.0, -4.0, -6.0, -8.0]);
}

#[test]
fn buffers_are_recycled_within_a_run() {
    // A long chain of same-sized temporaries needs only a few buffers.
    let f = |x: &Array| {
        let mut y = x.clone();
        for k in 0..20 {
            y = (&y * 1.5 + k as f32).tanh();
        }
        y
    };
    let x = Array::from_vec((0..64).map(|i| i as f32 / 10.0).collect(), [64]);
    let exe = Executable::compile(&make_jaxpr(f)(&x));
    let (bufs, outs) = exe.buffer_counts();
    assert_eq!(outs, 1);
    assert!(bufs <= 3, "{bufs} buffers for a chain of 60 equations");
    let got = exe.run(&[&x]);
    assert_same_bits(
        &got[0].to_vec::<f64>(),
        &f(&x).to_vec::<f64>(),
        "recycled chain",
    );
}

#[test]
fn traces_once_per_signature_and_static_value() {
    let jf = Jit::new(|(x, n, tag): &(Array, i32, Static<String>)| {
        let y = x * *n as f32;
        if tag.0 == "neg" {
            -y
        } else {
            y
        }
    });
    let s = |t: &str| Static(t.to_string());
    let x3 = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
    assert_eq!(
        jf.call(&(x3.clone(), 2, s("id"))).to_vec::<f32>(),
        vec![2.0, 4.0, 6.0]
    );
    assert_eq!(jf.trace_count(), 1);
    let other = Array::from_vec(vec![5.0f32, 6.0, 7.0], [3]);
    assert_eq!(
        jf.call(&(other, 2, s("id"))).to_vec::<f32>(),
        vec![10.0, 12.0, 14.0]
    );
    assert_eq!(jf.trace_count(), 1, "same signature, new values");
    assert_eq!(
        jf.call(&(x3.clone(), 3, s("id"))).to_vec::<f32>(),
        vec![3.0, 6.0, 9.0]
    );
    assert_eq!(jf.trace_count(), 2, "static int changed");
    assert_eq!(
        jf.call(&(x3.clone(), 3, s("neg"))).to_vec::<f32>(),
        vec![-3.0, -6.0, -9.0]
    );
    assert_eq!(jf.trace_count(), 3, "static string changed");
    jf.call(&(Array::from_vec(vec![1.0f32; 4], [4]), 3, s("neg")));
    assert_eq!(jf.trace_count(), 4, "shape changed");
    let y = jf.call(&(x3.astype(DType::F64), 3, s("neg")));
    assert_eq!(y.dtype(), DType::F64);
    assert_eq!(jf.trace_count(), 5, "dtype changed");
    // A weak and a strong scalar differ in signature (and in result type).
    let weak = jf.call(&(Array::weak_scalar(1.0f32), 3, s("neg")));
    let strong = jf.call(&(Array::scalar(1.0f32), 3, s("neg")));
    assert_eq!(jf.trace_count(), 7, "weak type changed");
    assert!(weak.weak_type() && !strong.weak_type());
    // Every signature seen so far is cached.
    jf.call(&(x3, 2, s("id")));
    assert_eq!(jf.trace_count(), 7);
}

#[test]
fn closes_over_concrete_arrays() {
    let c = Array::from_vec(vec![0.5f32, -1.0, 2.0], [3]);
    let big = Array::from_vec((0..2000).map(|i| i as f32).collect(), [2000]);
    let f = {
        let (c, big) = (c.clone(), big.clone());
        move |x: &Array| (x * &c + c.exp(), (&big * 2.0).sum(None) + x.sum(None))
    };
    let x = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
    check(&f, &x, "closure");
    // c.exp() is small: folded into a constant; big * 2.0 is not.
    let p = optimize(&make_jaxpr(&f)(&x));
    assert!(p
        .jaxpr
        .eqns
        .iter()
        .all(|e| !format!("{:?}", e.prim).contains("Exp")));
    assert!(p.consts.iter().any(|k| k.size() == 2000));
}

#[test]
fn replays_under_grad_and_vmap() {
    let jf = jit(|x: &Array| x * x * 3.0 + x);
    let g = grad(|x: &Array| jf(x))(&Array::scalar(2.0f32));
    assert_eq!(g.item::<f32>(), 13.0);
    let v = vmap(|x: &Array| jf(x))(&Array::from_vec(vec![1.0f32, 2.0, -1.0], [3]));
    assert_eq!(v.to_vec::<f32>(), vec![4.0, 14.0, 2.0]);
    // grad of the jitted function, itself jitted: staged through the replay.
    let jg = jit(grad(|x: &Array| jf(x)));
    assert_eq!(jg(&Array::scalar(-1.0f32)).item::<f32>(), -5.0);
    assert_eq!(jg(&Array::scalar(0.5f32)).item::<f32>(), 4.0);
}

#[test]
fn optimized_program_shows_dce_and_cse() {
    let f = |(x, y): &(Array, Array)| {
        let unused = (x * y).exp();
        let _ = unused;
        let a = x.sin() * y;
        let b = x.sin() * y;
        &a + &b
    };
    let x = Array::from_vec(vec![1.0f32; 3], [3]);
    let staged = make_jaxpr(f)(&(x.clone(), x.clone()));
    assert_eq!(staged.jaxpr.eqns.len(), 7);
    let want = "{ lambda ; a:f32[3] b:f32[3]. let\n    c:f32[3] = sin a\n    \
                d:f32[3] = mul c b\n    e:f32[3] = add d d\n  in (e,) }";
    assert_eq!(optimize(&staged).to_string(), want);
    assert_eq!(Executable::compile(&staged).optimized().to_string(), want);
}

/// A run that panics (a failed `error_if`) poisons the program's kept state; the next run
/// starts it afresh, gives the right answer and keeps its buffers again.
#[test]
fn a_program_recovers_its_buffers_after_a_panicking_run() {
    use equinox_core::compiler::executable::Executable;
    use equinox_core::debug::error_if;
    use equinox_core::transforms::make_jaxpr;
    let f = |x: &Array| {
        let y = (x * 2.0).exp();
        error_if(
            &y,
            &equinox_core::numpy::greater(&y.sum(None), &Array::scalar(1e6f32)),
            "too large",
        )
    };
    let program = Executable::compile(&make_jaxpr(f)(&Array::from_vec(vec![0.0f32; 1024], [1024])));
    let small = Array::from_vec(vec![0.0f32; 1024], [1024]);
    let large = Array::from_vec(vec![10.0f32; 1024], [1024]);
    assert_eq!(program.run(&[&small])[0].to_vec::<f32>(), vec![1.0; 1024]);
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| program.run(&[&large])));
    assert!(failed.is_err());
    assert_eq!(program.run(&[&small])[0].to_vec::<f32>(), vec![1.0; 1024]);
    assert!(program.holds_buffers());
    program.release_buffers();
    assert!(!program.holds_buffers());
}

/// Dead-code elimination keeps a `cond` or `scan` whose body holds an `error_if` exactly as it
/// keeps a top-level one: the check still runs when nothing uses the checked value. A `cond`
/// without effects whose outputs are unused is removed (the control case).
#[test]
fn dce_keeps_control_flow_whose_body_checks_a_value() {
    use equinox_core::debug::error_if;
    use equinox_core::prims::error_check::RuntimeCheckFailed;
    let check = |x: &Array| {
        let negative = jnp::less(&x.sum(None), &Array::scalar(0.0f32));
        error_if(x, &negative, "negative sum")
    };
    let top_level = move |x: &Array| {
        let _ = check(x);
        x * 2.0
    };
    let in_cond = move |x: &Array| {
        let _ = lax::cond(&Array::scalar(true), check, |x: &Array| x.clone(), x);
        x * 2.0
    };
    let in_scan = move |x: &Array| {
        let _ = lax::scan(
            |c: &Array, _: &Array| (check(c), Array::scalar(0.0f32)),
            x,
            &Array::from_vec(vec![0.0f32; 3], [3]),
        );
        x * 2.0
    };
    let x = Array::from_vec(vec![1.0f32, 2.0], [2]);
    let bad = Array::from_vec(vec![-1.0f32, -2.0], [2]);
    // (what, the function, the primitive that must survive DCE)
    type Case<'a> = (&'a str, &'a dyn Fn(&Array) -> Array, &'a str);
    let cases: [Case; 3] = [
        ("top level", &top_level, "error_check"),
        ("cond", &in_cond, "cond"),
        ("scan", &in_scan, "scan"),
    ];
    for (what, f, prim) in cases {
        let program = optimize(&make_jaxpr(f)(&x)).to_string();
        assert!(
            program.contains(prim),
            "{what}: DCE dropped the check:\n{program}"
        );
        let compiled = jit(f);
        assert_eq!(compiled(&x).to_vec::<f32>(), vec![2.0, 4.0], "{what}");
        let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compiled(&bad)));
        let message = failed.expect_err(what);
        let failure = message
            .downcast_ref::<RuntimeCheckFailed>()
            .unwrap_or_else(|| panic!("{what}: the run failed with something else"));
        assert_eq!(failure.message, "negative sum", "{what}");
    }
    let pure = |x: &Array| {
        let _ = lax::cond(
            &Array::scalar(true),
            |x: &Array| x.exp(),
            |x: &Array| x.sin(),
            x,
        );
        x * 2.0
    };
    let program = optimize(&make_jaxpr(pure)(&x)).to_string();
    assert!(
        !program.contains("cond"),
        "an unused pure cond stays:\n{program}"
    );
}
