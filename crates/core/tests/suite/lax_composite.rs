//! `jax.lax`'s functions that hold user computations or are built from other primitives
//! (`reduce` with a user computation, `conv_transpose`, `conv_general_dilated_patches`,
//! `custom_root`, `custom_linear_solve`) and `reduce_precision`, against JAX 0.10.2
//! (`parity/lax_composite.py`): outputs, dtypes, shapes, the gradient of the sum in the first
//! operand, and forward mode of the implicitly differentiated solvers. Plus their refusals.

use crate::common;

use common::golden_array as array;
use equinox_core::transforms::{grad, jit, jvp, vmap, vmap_with, VmapSpec};
use equinox_core::{lax, numpy as jnp, Array};
use equinox_testing::golden::{encoded, Encoded};
use equinox_testing::panics::panic_message;
use equinox_testing::{assert_close, Golden, Tolerance};

fn f32s(v: &[f32], shape: &[usize]) -> Array {
    Array::from_vec(v.to_vec(), shape.to_vec())
}

fn add(a: &[Array], b: &[Array]) -> Vec<Array> {
    vec![lax::add(&a[0], &b[0])]
}

/// `(value, index)` pairs: the larger value, the smaller index on ties.
fn select_max_with_index(a: &[Array], b: &[Array]) -> Vec<Array> {
    let take_b = lax::bitwise_or(
        &lax::gt(&b[0], &a[0]),
        &lax::bitwise_and(&lax::eq(&b[0], &a[0]), &lax::lt(&b[1], &a[1])),
    );
    vec![
        lax::select(&take_b, &b[0], &a[0]),
        lax::select(&take_b, &b[1], &a[1]),
    ]
}

fn scalar_tangent_solve(g: &dyn Fn(&Array) -> Array, y: &Array) -> Array {
    y / &g(&jnp::ones_like(y))
}

fn root_sqrt(a: &Array) -> Array {
    let a = a.clone();
    lax::custom_root(
        move |x: &Array| x * x - &a,
        &jnp::ones([4]),
        |f, x0| (0..30).fold(x0.clone(), |x, _| &x - &(f(&x) / (&x * 2.0))),
        scalar_tangent_solve,
    )
}

fn root_cubic(b: &Array) -> Array {
    let b = b.clone();
    lax::custom_root(
        move |x: &Array| &(x * x * x + x) - &b,
        &jnp::zeros([4]),
        |f, x0| (0..40).fold(x0.clone(), |x, _| &x - &(f(&x) / &(&x * &x * 3.0 + 1.0))),
        scalar_tangent_solve,
    )
}

/// Solves by recovering the matrix from `matvec` applied to the unit vectors.
fn dense_solve(matvec: &dyn Fn(&Array) -> Array, b: &Array) -> Array {
    let n = b.shape()[0];
    let eye = jnp::eye(n);
    let cols: Vec<Array> = (0..n as isize)
        .map(|i| matvec(&lax::index_in_dim(&eye, i, 0, false)))
        .collect();
    let refs: Vec<&Array> = cols.iter().collect();
    jnp::linalg::solve(&jnp::stack(&refs, 1), b)
}

fn linear_solve(a: &Array, b: &Array, options: lax::LinearSolveOptions<Array>) -> Array {
    let a = a.clone();
    lax::custom_linear_solve_with(move |x: &Array| a.matmul(x), b, dense_solve, options)
}

fn symmetric() -> lax::LinearSolveOptions<Array> {
    lax::LinearSolveOptions {
        symmetric: true,
        ..Default::default()
    }
}

fn with_transpose_solve() -> lax::LinearSolveOptions<Array> {
    lax::LinearSolveOptions {
        transpose_solve: Some(std::sync::Arc::new(dense_solve)),
        ..Default::default()
    }
}

fn i32s(v: &[i32]) -> Array {
    Array::from_vec(v.to_vec(), [v.len()])
}

fn pair((a, b): (Array, Array)) -> Vec<Array> {
    vec![a, b]
}

fn reduction_dimension(axis: isize) -> lax::ApproxTopKOptions {
    lax::ApproxTopKOptions {
        reduction_dimension: axis,
        ..Default::default()
    }
}

fn transpose_options() -> lax::ConvTransposeOptions {
    lax::ConvTransposeOptions::default()
}

/// The function each golden case names, applied to its operands.
fn call(name: &str, a: &[Array]) -> Vec<Array> {
    let x = || &a[0];
    let y = || &a[1];
    let one = |v: Array| vec![v];
    let f32_init = |v: f32| [Array::scalar(v)];
    let rp = |e: i32, m: i32| one(lax::reduce_precision(x(), e, m));
    match name {
        "reduce_precision_e5m10" => rp(5, 10),
        "reduce_precision_e8m7" => rp(8, 7),
        "reduce_precision_e4m3" | "reduce_precision_f16_e4m3" => rp(4, 3),
        "reduce_precision_e5m2" | "reduce_precision_bf16_e5m2" => rp(5, 2),
        "reduce_precision_e2m1" => rp(2, 1),
        "reduce_precision_e3m0" => rp(3, 0),
        "reduce_precision_e8m23" => rp(8, 23),
        "reduce_precision_e11m30" => rp(11, 30),
        "reduce_precision_grad" => one(&lax::reduce_precision(x(), 5, 10) * x()),
        "reduce_add" => lax::reduce(&a[..1], &f32_init(0.0), add, &[0, 2]),
        "reduce_max" => lax::reduce(
            &a[..1],
            &f32_init(f32::NEG_INFINITY),
            |p, q| vec![lax::max(&p[0], &q[0])],
            &[2],
        ),
        "reduce_mul_all" => lax::reduce(
            &a[..1],
            &f32_init(1.0),
            |p, q| vec![lax::mul(&p[0], &q[0])],
            &[0, 1],
        ),
        "reduce_custom" => lax::reduce(
            &a[..1],
            &f32_init(0.0),
            |p, q| vec![&(&p[0] * &q[0]) + &(&p[0] + &q[0])],
            &[1],
        ),
        "reduce_xor_int" => lax::reduce(
            &a[..1],
            &[Array::scalar(0i32)],
            |p, q| vec![lax::bitwise_xor(&p[0], &q[0])],
            &[0],
        ),
        "reduce_argmax" => lax::reduce(
            a,
            &[Array::scalar(f32::NEG_INFINITY), Array::scalar(0i32)],
            select_max_with_index,
            &[1],
        ),
        "reduce_empty_axis" => lax::reduce(&a[..1], &f32_init(-7.0), add, &[1]),
        "reduce_no_axes" => lax::reduce(&a[..1], &f32_init(0.0), add, &[]),
        "conv_transpose_same_s2" => one(lax::conv_transpose(x(), y(), &[2, 2], "SAME")),
        "conv_transpose_valid_s2" => one(lax::conv_transpose(x(), y(), &[2, 1], "VALID")),
        "conv_transpose_explicit" => {
            one(lax::conv_transpose(x(), y(), &[2, 3], vec![(1, 2), (0, 1)]))
        }
        "conv_transpose_kernel" => {
            let k = lax::slice(y(), &[0, 0, 0, 0], &[3, 2, 3, 3], None);
            let options = lax::ConvTransposeOptions {
                transpose_kernel: true,
                ..transpose_options()
            };
            one(lax::conv_transpose_with(x(), &k, &[2, 2], "SAME", &options))
        }
        "conv_transpose_1d_dilated" => {
            let options = lax::ConvTransposeOptions {
                rhs_dilation: Some(vec![2]),
                ..transpose_options()
            };
            one(lax::conv_transpose_with(x(), y(), &[3], "SAME", &options))
        }
        "conv_transpose_consistent" => {
            let options = lax::ConvTransposeOptions {
                use_consistent_padding: true,
                ..transpose_options()
            };
            let pads = vec![(1, 1), (0, 1)];
            one(lax::conv_transpose_with(x(), y(), &[2, 2], pads, &options))
        }
        "conv_transpose_nchw" => {
            let options = lax::ConvTransposeOptions {
                dimension_numbers: Some(lax::conv_dimension_numbers("NCHW", "OIHW", "NCHW")),
                ..transpose_options()
            };
            one(lax::conv_transpose_with(
                x(),
                y(),
                &[2, 2],
                "VALID",
                &options,
            ))
        }
        "patches_valid" => one(lax::conv_general_dilated_patches(
            x(),
            &[2, 3],
            &[1, 1],
            "VALID",
        )),
        "patches_same_strided" => one(lax::conv_general_dilated_patches(
            x(),
            &[3, 2],
            &[2, 1],
            "SAME",
        )),
        "patches_dilated" => {
            let options = lax::ConvPatchesOptions {
                lhs_dilation: Some(vec![1, 2]),
                rhs_dilation: Some(vec![2, 1]),
                ..Default::default()
            };
            let pads = vec![(1, 0), (0, 1)];
            one(lax::conv_general_dilated_patches_with(
                x(),
                &[2, 2],
                &[1, 2],
                pads,
                &options,
            ))
        }
        "patches_nhwc" => {
            let options = lax::ConvPatchesOptions {
                dimension_numbers: Some(lax::conv_dimension_numbers("NHWC", "OIHW", "CNHW")),
                ..Default::default()
            };
            one(lax::conv_general_dilated_patches_with(
                x(),
                &[2, 2],
                &[1, 1],
                "VALID",
                &options,
            ))
        }
        "local_valid" => one(lax::conv_general_dilated_local(
            x(),
            y(),
            &[1, 1],
            "VALID",
            &[2, 3],
        )),
        "local_nhwc_strided" => {
            let options = lax::ConvPatchesOptions {
                dimension_numbers: Some(lax::conv_dimension_numbers("NHWC", "HWIO", "NHWC")),
                ..Default::default()
            };
            one(lax::conv_general_dilated_local_with(
                x(),
                y(),
                &[2, 1],
                "SAME",
                &[2, 2],
                &options,
            ))
        }
        "ragged_dot" => one(lax::ragged_dot(x(), y(), &i32s(&[2, 0, 3]), None)),
        "ragged_dot_rhs" => one(lax::ragged_dot(y(), x(), &i32s(&[1, 3, 1]), None)),
        "top_k_axis0" => pair(lax::top_k_along(x(), 2, 0)),
        "approx_max_k" => pair(lax::approx_max_k(x(), 3)),
        "approx_max_k_dim0" => pair(lax::approx_max_k_with(x(), 1, &reduction_dimension(0))),
        "approx_min_k" => pair(lax::approx_min_k(x(), 2)),
        "approx_min_k_ties" => pair(lax::approx_min_k_with(x(), 2, &reduction_dimension(1))),
        "at_apply_repeated" => {
            let i = Array::from_vec(vec![1i32, 1, 3], [3]);
            one(x().at(equinox_core::s![&i]).apply(jnp::sin))
        }
        "at_apply_slice" => one(x().at(equinox_core::s![.., 1]).apply(jnp::exp)),
        "scatter_apply_drop" => {
            let dn = lax::ScatterDimensionNumbers {
                update_window_dims: [][..].into(),
                inserted_window_dims: [0][..].into(),
                scatter_dims_to_operand_dims: [0][..].into(),
                ..Default::default()
            };
            let idx = Array::from_vec(vec![1i32, 7, 1], [3, 1]);
            let mode = lax::GatherScatterMode::FillOrDrop;
            one(lax::scatter_apply(x(), &idx, jnp::cos, dn, &[3], mode))
        }
        "custom_root_sqrt" => one(root_sqrt(x())),
        "custom_root_cubic" => one(root_cubic(x())),
        "custom_linear_solve_sym" => one(linear_solve(x(), y(), symmetric())),
        "custom_linear_solve_b" => one(linear_solve(y(), x(), with_transpose_solve())),
        "custom_linear_solve_matrix" => one(linear_solve(x(), y(), with_transpose_solve())),
        other => panic!("no function for golden case {other}"),
    }
}

fn tol(name: &str, dtype: &str) -> Tolerance {
    if name.starts_with("reduce_precision") || dtype == "int32" {
        Tolerance::EXACT
    } else {
        // Sums of products in another order than XLA's, and iterative solves.
        Tolerance::new(2e-6, 2e-6)
    }
}

#[test]
fn values_and_grads_match_jax() {
    let g = Golden::load("lax_composite");
    let mut failures = common::check_golden_cases(&g, call, tol);
    let mut check = |what: &str, got: &Array, want: &Encoded| {
        failures.extend(common::golden_mismatch(what, got, want, tol("", "")));
    };
    let jvps = g.section("jvps");
    let want =
        |key: &str| -> Vec<Encoded> { jvps[key].as_array().unwrap().iter().map(encoded).collect() };
    let a = f32s(&[4.0, 2.0, 9.0, 0.25], &[4]);
    let ta = f32s(&[1.0, -0.5, 2.0, 0.1], &[4]);
    let (y, ty) = jvp(root_sqrt, &a, &ta);
    let w = want("custom_root_sqrt");
    check("custom_root_sqrt jvp out", &y, &w[0]);
    check("custom_root_sqrt jvp tangent", &ty, &w[1]);
    let m = f32s(&[3.0, 1.0, 0.0, -1.0, 2.0, 0.5, 0.25, 0.0, 1.5], &[3, 3]);
    let b = f32s(&[1.0, -2.0, 0.5], &[3]);
    let tb = f32s(&[0.3, 0.2, -1.0], &[3]);
    let tm = &m * 0.1;
    let (x, tx) = jvp(
        |(m, b): &(Array, Array)| linear_solve(m, b, with_transpose_solve()),
        &(m.clone(), b.clone()),
        &(tm, tb),
    );
    let w = want("custom_linear_solve_matrix");
    check("custom_linear_solve jvp out", &x, &w[0]);
    check("custom_linear_solve jvp tangent", &tx, &w[1]);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    check_reduce_precision_signs(&g);
    check_shape_functions(&g);
    g.assert_sections_read(&["cases", "jvps", "shape_functions"]);
}

/// `reduce_precision` keeps signs exactly, signed zeros included (-1e-40 flushes to -0),
/// which value comparisons do not see.
fn check_reduce_precision_signs(g: &Golden) {
    for c in g.section("cases").iter() {
        let name = c["name"].as_str().unwrap();
        if !name.starts_with("reduce_precision") {
            continue;
        }
        let got = call(name, &common::golden_arrays(&c["args"]))[0].to_vec::<f64>();
        let want = encoded(&c["outs"][0]).data;
        let sign = |v: &f64, w: &f64| v.is_sign_negative() && !w.is_nan();
        let got_signs: Vec<bool> = got.iter().zip(&want).map(|(v, w)| sign(v, w)).collect();
        let want_signs: Vec<bool> = want.iter().map(|w| sign(w, w)).collect();
        assert_eq!(got_signs, want_signs, "{name}: signs");
    }
}

/// The pure shape functions: `conv_general_permutations` and the shape tuples.
fn check_shape_functions(g: &Golden) {
    let s = g.section("shape_functions");
    let list = |key: &str| -> Vec<usize> { equinox_testing::golden::sizes(&s[key]) };
    let lists = |key: &str| -> Vec<Vec<usize>> {
        s[key]
            .as_array()
            .unwrap()
            .iter()
            .map(equinox_testing::golden::sizes)
            .collect()
    };
    let (l, r, o) = lax::conv_general_permutations("NHWC", "HWIO", "NHWC");
    assert_eq!(vec![l, r, o], lists("conv_general_permutations"));
    let (l, r, o) = lax::conv_general_permutations("NCHW", "OIHW", "NCHW");
    assert_eq!(vec![l, r, o], lists("conv_general_permutations_nchw"));
    let nhwc = lax::conv_dimension_numbers("NHWC", "HWIO", "NHWC");
    assert_eq!(
        lax::conv_general_shape_tuple(
            &[8, 32, 30, 3],
            &[5, 4, 3, 16],
            &[2, 3],
            &[(1, 2), (0, 0)],
            &nhwc
        ),
        list("conv_general_shape_tuple")
    );
    let transpose = |strides: &[usize], padding: lax::PaddingSpec| {
        lax::conv_transpose_shape_tuple(&[2, 5, 4, 3], &[3, 2, 3, 4], strides, padding, &nhwc)
    };
    assert_eq!(
        transpose(&[2, 2], "SAME".into()),
        list("conv_transpose_shape_tuple_same")
    );
    assert_eq!(
        transpose(&[2, 1], "VALID".into()),
        list("conv_transpose_shape_tuple_valid")
    );
    assert_eq!(
        transpose(&[2, 3], vec![(1, 2), (0, 1)].into()),
        list("conv_transpose_shape_tuple_explicit")
    );
}

/// The collective each golden case names, for one lane (mapped over the axis "i").
fn collective(name: &str, v: &Array) -> Array {
    let tiled = lax::CollectiveOptions { tiled: true };
    match name {
        "ppermute" => lax::ppermute(v, "i", &[(0, 1), (1, 2), (2, 0)]),
        "psum_scatter" => lax::psum_scatter(v, "i", 0),
        "psum_scatter_tiled" => lax::psum_scatter_with(v, "i", 1, &tiled),
        "all_to_all" => lax::all_to_all(v, "i", 0, 1),
        "all_to_all_back" => lax::all_to_all(v, "i", 1, 0),
        "all_to_all_tiled" => lax::all_to_all_with(v, "i", 0, 1, &tiled),
        "all_to_all_tiled_same" => lax::all_to_all_with(v, "i", 1, 1, &tiled),
        "pswapaxes" => lax::pswapaxes(v, "i", 0),
        other => panic!("no collective for golden case {other}"),
    }
}

/// `ppermute`, `psum_scatter`, `all_to_all`, `pswapaxes` under a named vmap: outputs,
/// gradients (their transposes), and inside a second, unnamed vmap (their batching rule).
#[test]
fn collectives_match_jax() {
    let g = Golden::load("lax_composite");
    let cases = g.section("collectives");
    for c in cases.iter() {
        let name = c["name"].as_str().unwrap().to_string();
        let x = array(&encoded(&c["x"]));
        let w = array(&encoded(&c["weights"]));
        let n1 = name.clone();
        let mapped = move |x: &Array| {
            let n = n1.clone();
            vmap_with(
                move |v: &Array| collective(&n, v),
                VmapSpec::default().axis_name("i"),
            )(x)
        };
        let y = mapped(&x);
        let want = encoded(&c["out"]);
        assert_eq!(y.shape(), want.shape.as_slice(), "{name} shape");
        assert_close(
            &format!("{name} out"),
            &y.to_vec::<f64>(),
            &want.data,
            Tolerance::F32,
        );
        let m2 = mapped.clone();
        let grad_x = grad(move |x: &Array| (m2(x) * &w).sum(None))(&x);
        let want = encoded(&c["grad"]);
        assert_close(
            &format!("{name} grad"),
            &grad_x.to_vec::<f64>(),
            &want.data,
            Tolerance::F32,
        );
        let nested = vmap(mapped)(&array(&encoded(&c["nested_x"])));
        let want = encoded(&c["nested"]);
        assert_eq!(nested.shape(), want.shape.as_slice(), "{name} nested shape");
        assert_close(
            &format!("{name} nested"),
            &nested.to_vec::<f64>(),
            &want.data,
            Tolerance::F32,
        );
    }
}

/// Under `jit` and `vmap` the composites give what they give eagerly.
#[test]
fn composites_under_jit_and_vmap() {
    let a = f32s(&[4.0, 2.0, 9.0, 0.25], &[4]);
    let eager = root_sqrt(&a);
    let jitted = jit(root_sqrt)(&a);
    assert_eq!(jitted.to_vec::<f32>(), eager.to_vec::<f32>());
    let g_eager = grad(|a: &Array| root_sqrt(a).sum(None))(&a);
    let g_jit = jit(grad(|a: &Array| root_sqrt(a).sum(None)))(&a);
    assert_eq!(g_jit.to_vec::<f32>(), g_eager.to_vec::<f32>());

    // A batch of right-hand sides, solved one by one and under vmap.
    let m = f32s(&[3.0, 1.0, 0.0, -1.0, 2.0, 0.5, 0.25, 0.0, 1.5], &[3, 3]);
    let bs = f32s(&[1.0, -2.0, 0.5, 0.0, 1.0, 2.0], &[2, 3]);
    let m1 = m.clone();
    let batched = vmap(move |b: &Array| linear_solve(&m1, b, symmetric()))(&bs);
    for i in 0..2isize {
        let row = |a: &Array| lax::index_in_dim(a, i, 0, false);
        let one = linear_solve(&m, &row(&bs), symmetric());
        assert!(
            row(&batched).allclose(&one, 1e-6, 1e-6).item::<bool>(),
            "row {i}"
        );
    }
    let x = f32s(&[1.0, 1.0 + 2f32.powi(-11), 70000.0, -1e-40], &[2, 2]);
    let rounded = vmap(|x: &Array| lax::reduce_precision(x, 5, 10))(&x);
    assert_eq!(
        rounded.to_vec::<f32>(),
        lax::reduce_precision(&x, 5, 10).to_vec::<f32>()
    );
    let summed =
        jit(|x: &Array| lax::reduce(std::slice::from_ref(x), &[Array::scalar(0.0f32)], add, &[1]))(
            &bs,
        );
    assert_eq!(summed[0].to_vec::<f32>(), vec![-0.5, 3.0]);
}

#[test]
fn refusals_name_the_operation() {
    let x = jnp::ones([2, 3]);
    let msg = panic_message(|| drop(lax::reduce_precision(&Array::scalar(1i32), 5, 10)));
    assert!(
        msg.contains("reduce_precision does not accept dtype int32"),
        "{msg}"
    );
    let msg = panic_message(|| drop(lax::reduce_precision(&x, 0, 10)));
    assert!(
        msg.contains("exponent_bits must be positive; got 0"),
        "{msg}"
    );
    let msg = panic_message(|| drop(lax::reduce_precision(&x, 5, -1)));
    assert!(
        msg.contains("mantissa_bits must be non-negative; got -1"),
        "{msg}"
    );
    let msg = panic_message(|| {
        drop(lax::reduce(
            std::slice::from_ref(&x),
            &[jnp::zeros([2])],
            add,
            &[0],
        ))
    });
    assert!(
        msg.contains("reduce found non-scalar initial value"),
        "{msg}"
    );
    let msg = panic_message(|| {
        drop(lax::reduce(
            std::slice::from_ref(&x),
            &[Array::scalar(0i32)],
            add,
            &[0],
        ))
    });
    assert!(
        msg.contains("reduce operand dtypes should match corresponding initial value dtypes"),
        "{msg}"
    );
    let msg = panic_message(|| {
        drop(lax::reduce(
            std::slice::from_ref(&x),
            &[Array::scalar(0.0f32)],
            add,
            &[2],
        ))
    });
    assert!(msg.contains("out-of-bounds indices"), "{msg}");
    let msg = panic_message(|| {
        drop(lax::reduce(
            std::slice::from_ref(&x),
            &[Array::scalar(0.0f32)],
            add,
            &[1, 1],
        ))
    });
    assert!(
        msg.contains("duplicate value in 'axes' of reduction"),
        "{msg}"
    );
    let msg = panic_message(|| {
        drop(lax::reduce(
            std::slice::from_ref(&x),
            &[Array::scalar(0.0f32)],
            |a, _| vec![a[0].sum(None)],
            &[0],
        ))
    });
    assert!(msg.contains("reduce: the computation must return"), "{msg}");
    let msg = panic_message(|| drop(lax::approx_min_k(&Array::from_vec(vec![1i32, 2], [2]), 1)));
    assert!(
        msg.contains("approx_min_k: operand must be a floating type"),
        "{msg}"
    );
    let msg = panic_message(|| {
        let sizes = Array::from_vec(vec![1.0f32, 2.0], [2]);
        drop(lax::ragged_dot(
            &jnp::ones([3, 2]),
            &jnp::ones([2, 2, 4]),
            &sizes,
            None,
        ))
    });
    assert!(msg.contains("ragged_dot: expected lhs (m, k)"), "{msg}");
    let msg = panic_message(|| {
        let (x, k) = (jnp::ones([1, 4, 4, 2]), jnp::ones([3, 3, 2, 1]));
        drop(lax::conv_transpose(&x, &k, &[2, 2], "SAME_LOWER"))
    });
    assert!(
        msg.contains("conv_transpose: Invalid padding mode"),
        "{msg}"
    );
    let msg = panic_message(|| {
        drop(lax::custom_root(
            |x: &Array| x.sum(None),
            &jnp::ones([3]),
            |_, x0: &Array| x0.clone(),
            scalar_tangent_solve,
        ))
    });
    assert!(
        msg.contains("custom_root: f must return the structure"),
        "{msg}"
    );
    let msg = panic_message(|| drop(lax::ppermute(&x, "i", &[(0, 1), (1, 1)])));
    assert!(
        msg.contains("ppermute sources and destinations must be unique"),
        "{msg}"
    );
    let msg = panic_message(|| drop(lax::psum_scatter(&x, "i", 0)));
    assert!(msg.contains("unbound axis name: i"), "{msg}");
    let msg = panic_message(|| {
        let f = |v: &Array| lax::all_to_all(v, "i", 0, 0);
        drop(vmap_with(f, VmapSpec::default().axis_name("i"))(
            &jnp::ones([3, 2]),
        ))
    });
    assert!(msg.contains("all_to_all: split_axis 0"), "{msg}");
    // Reverse mode of a non-symmetric solve needs the transposed solve.
    let m = f32s(&[3.0, 1.0, 0.0, 2.0], &[2, 2]);
    let msg = panic_message(|| {
        drop(grad(|b: &Array| {
            linear_solve(&m, b, Default::default()).sum(None)
        })(&jnp::ones([2])))
    });
    assert!(msg.contains("transpose_solve required"), "{msg}");
}
