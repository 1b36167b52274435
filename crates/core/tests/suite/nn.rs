//! `equinox_core::nn` and `lax::stop_gradient` against naive f64 references written with plain
//! loops, on random shapes (size-0 and size-1 dims included) and non-contiguous inputs, plus
//! dtype behaviour and misuse. Parity with JAX itself is in `nn_parity.rs`.
use crate::common;

use common::{assert_close, random_array, unravel, Rng};
use equinox_core::prims::{bind1, unary::UnaryOp, PrimitiveRule};
use equinox_core::{lax, nn, Array, DType, ALL_DTYPES};

/// A random f64 array of `shape`, produced through a transpose so it is not the plain row-major
/// buffer the kernels see first.
fn transposed_random(rng: &mut Rng, shape: &[usize]) -> Array {
    let mut rev: Vec<usize> = shape.to_vec();
    rev.reverse();
    let perm: Vec<isize> = (0..shape.len() as isize).rev().collect();
    let x = random_array(rng, &rev, DType::F64).transpose(&perm);
    assert_eq!(x.shape(), shape);
    &x * 4.0
}

#[test]
fn elementwise_activations_match_scalar_formulas() {
    type F = fn(&Array) -> Array;
    type Reference = Box<dyn Fn(f64) -> f64>;
    let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
    let softplus = |v: f64| v.max(0.0) + (-v.abs()).exp().ln_1p();
    let refs: Vec<(&str, F, Reference)> = vec![
        ("relu", nn::relu, Box::new(|v| v.max(0.0))),
        ("relu6", nn::relu6, Box::new(|v| v.clamp(0.0, 6.0))),
        ("sigmoid", nn::sigmoid, Box::new(sig)),
        (
            "log_sigmoid",
            nn::log_sigmoid,
            Box::new(move |v| -softplus(-v)),
        ),
        ("softplus", nn::softplus, Box::new(softplus)),
        ("silu", nn::silu, Box::new(move |v| v * sig(v))),
        (
            "gelu",
            nn::gelu,
            Box::new(|v| {
                let c = (2.0 / std::f64::consts::PI).sqrt();
                0.5 * v * (1.0 + (c * (v + 0.044715 * v * v * v)).tanh())
            }),
        ),
        (
            "gelu_exact",
            |x| nn::gelu_with(x, false),
            Box::new(|v| 0.5 * v * libm::erfc(-v / 2f64.sqrt())),
        ),
        (
            "elu",
            nn::elu,
            Box::new(|v| if v > 0.0 { v } else { v.exp_m1() }),
        ),
        (
            "celu",
            |x| nn::celu_with(x, 0.5),
            Box::new(|v| v.max(0.0) + 0.5 * (v.min(0.0) / 0.5).exp_m1()),
        ),
        (
            "selu",
            nn::selu,
            Box::new(|v| {
                1.0507009873554805
                    * if v > 0.0 {
                        v
                    } else {
                        1.6732632423543772 * v.exp_m1()
                    }
            }),
        ),
        (
            "leaky_relu",
            nn::leaky_relu,
            Box::new(|v| if v >= 0.0 { v } else { 0.01 * v }),
        ),
        ("hard_tanh", nn::hard_tanh, Box::new(|v| v.clamp(-1.0, 1.0))),
        (
            "hard_sigmoid",
            nn::hard_sigmoid,
            Box::new(|v| (v + 3.0).clamp(0.0, 6.0) / 6.0),
        ),
        (
            "hard_silu",
            nn::hard_silu,
            Box::new(|v| v * (v + 3.0).clamp(0.0, 6.0) / 6.0),
        ),
        (
            "soft_sign",
            nn::soft_sign,
            Box::new(|v| v / (v.abs() + 1.0)),
        ),
        ("mish", nn::mish, Box::new(move |v| v * softplus(v).tanh())),
    ];
    let mut rng = Rng::new(7);
    for ndim in 0..4 {
        for _ in 0..3 {
            let shape = rng.shape(ndim, 5);
            let x = transposed_random(&mut rng, &shape);
            let xs = x.to_vec::<f64>();
            for (name, f, r) in &refs {
                let y = f(&x);
                assert_eq!(y.shape(), x.shape(), "{name}");
                assert_eq!(y.dtype(), DType::F64, "{name}");
                let want: Vec<f64> = xs.iter().map(|&v| r(v)).collect();
                assert_close(&y.to_vec::<f64>(), &want, 1e-12, 1e-300, name);
            }
        }
    }
}

/// The slices of `shape` along `axes`: for every position of the other axes, the flat indices
/// of the elements it reduces over.
fn slices(shape: &[usize], axes: &[usize]) -> Vec<Vec<usize>> {
    let n: usize = shape.iter().product();
    let mut groups: std::collections::BTreeMap<Vec<usize>, Vec<usize>> = Default::default();
    for flat in 0..n {
        let mut idx = unravel(flat, shape);
        for &a in axes {
            idx[a] = 0;
        }
        groups.entry(idx).or_default().push(flat);
    }
    groups.into_values().collect()
}

#[test]
fn softmax_family_matches_naive_loops() {
    let mut rng = Rng::new(11);
    for ndim in 1..4 {
        for _ in 0..4 {
            let shape = rng.shape(ndim, 5);
            let x = transposed_random(&mut rng, &shape);
            let xs = x.to_vec::<f64>();
            let axis = rng.range(0, ndim as i64) as usize;
            let mut axes = vec![axis];
            if ndim == 3 && rng.range(0, 2) == 0 {
                axes = vec![0, 2];
            }
            let ax: Vec<i32> = axes.iter().map(|&a| a as i32).collect();
            let (mut sm, mut lsm) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
            for group in slices(&shape, &axes) {
                let m = group
                    .iter()
                    .map(|&i| xs[i])
                    .fold(f64::NEG_INFINITY, f64::max);
                let s: f64 = group.iter().map(|&i| (xs[i] - m).exp()).sum();
                for &i in &group {
                    sm[i] = (xs[i] - m).exp() / s;
                    lsm[i] = xs[i] - m - s.ln();
                }
            }
            let what = format!("shape {shape:?} axes {axes:?}");
            assert_close(
                &nn::softmax(&x, ax.clone()).to_vec::<f64>(),
                &sm,
                1e-12,
                1e-15,
                &what,
            );
            assert_close(
                &x.log_softmax(ax.clone()).to_vec::<f64>(),
                &lsm,
                1e-12,
                1e-12,
                &what,
            );

            let lse = nn::logsumexp(&x, ax.clone(), true);
            let kept: Vec<usize> = (0..ndim)
                .map(|d| if axes.contains(&d) { 1 } else { shape[d] })
                .collect();
            assert_eq!(lse.shape(), &kept[..], "{what}");
            let want: Vec<f64> = slices(&shape, &axes)
                .iter()
                .map(|g| {
                    let m = g.iter().map(|&i| xs[i]).fold(f64::NEG_INFINITY, f64::max);
                    let m = if m.is_finite() { m } else { 0.0 };
                    g.iter().map(|&i| (xs[i] - m).exp()).sum::<f64>().ln() + m
                })
                .collect();
            // An empty slice gives -inf and no group; only compare non-empty inputs.
            if !xs.is_empty() {
                assert_close(&lse.to_vec::<f64>(), &want, 1e-12, 1e-12, &what);
            }
        }
    }
}

#[test]
fn empty_reductions_follow_jax() {
    let x = Array::from_vec(Vec::<f32>::new(), [2, 0]);
    assert_eq!(nn::softmax(&x, -1).shape(), &[2, 0]);
    assert_eq!(nn::log_softmax(&x, -1).shape(), &[2, 0]);
    let lse = nn::logsumexp(&x, -1, false);
    assert_eq!(lse.to_vec::<f32>(), vec![f32::NEG_INFINITY; 2]);
    // The reduction primitive gives every kept position its identity over an empty axis.
    assert_eq!(x.sum(-1).to_vec::<f32>(), vec![0.0; 2]);
}

#[test]
fn one_hot_matches_a_naive_loop_for_every_axis() {
    let mut rng = Rng::new(3);
    for dtype in [DType::I32, DType::I64, DType::U8, DType::U32] {
        for ndim in 0..3 {
            let shape = rng.shape(ndim, 4);
            let x = random_array(&mut rng, &shape, dtype);
            let labels: Vec<i64> = x.to_vec::<i64>().iter().map(|v| v % 6).collect();
            let x = Array::from_vec(labels.clone(), shape.clone()).astype(dtype);
            let labels = x.to_vec::<i64>();
            let n = 5usize;
            for axis in 0..=ndim {
                let y = nn::one_hot_with(&x, n, DType::F32, axis as isize);
                let mut out_shape = shape.clone();
                out_shape.insert(axis, n);
                assert_eq!(y.shape(), &out_shape[..]);
                let want: Vec<f64> = (0..y.size())
                    .map(|flat| {
                        let mut idx = unravel(flat, &out_shape);
                        let class = idx.remove(axis) as i64;
                        let src = common::ravel(&idx, &shape);
                        f64::from(u8::from(labels[src] == class))
                    })
                    .collect();
                assert_eq!(y.to_vec::<f64>(), want, "{dtype} {shape:?} axis {axis}");
            }
        }
    }
    let y = Array::from_vec(vec![1i32, 9], [2]).one_hot(3);
    assert_eq!(y.to_vec::<f32>(), vec![0.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn standardize_and_glu_match_naive_loops() {
    let mut rng = Rng::new(5);
    for _ in 0..6 {
        let shape = rng.nonempty_shape(3, 4);
        let x = transposed_random(&mut rng, &shape);
        let xs = x.to_vec::<f64>();
        let mut want = vec![0.0; xs.len()];
        for g in slices(&shape, &[2]) {
            let n = g.len() as f64;
            let mean = g.iter().map(|&i| xs[i]).sum::<f64>() / n;
            let var = (g.iter().map(|&i| xs[i] * xs[i]).sum::<f64>() / n - mean * mean).max(0.0);
            for &i in &g {
                want[i] = (xs[i] - mean) / (var + 1e-5).sqrt();
            }
        }
        let got = nn::standardize(&x, -1, 1e-5).to_vec::<f64>();
        assert_close(&got, &want, 1e-9, 1e-9, &format!("standardize {shape:?}"));

        let mut even = shape.clone();
        even[1] *= 2;
        let x = transposed_random(&mut rng, &even);
        let xs = x.to_vec::<f64>();
        let y = nn::glu(&x, 1);
        assert_eq!(y.shape(), &shape[..]);
        let want: Vec<f64> = (0..y.size())
            .map(|flat| {
                let idx = unravel(flat, &shape);
                let mut b = idx.clone();
                b[1] += shape[1];
                let (a, b) = (xs[common::ravel(&idx, &even)], xs[common::ravel(&b, &even)]);
                a / (1.0 + (-b).exp())
            })
            .collect();
        assert_close(
            &y.to_vec::<f64>(),
            &want,
            1e-12,
            1e-300,
            &format!("glu {even:?}"),
        );
    }
}

#[test]
fn dtypes_follow_jax() {
    for dtype in [DType::F16, DType::BF16, DType::F32, DType::F64] {
        let x = Array::from_vec(vec![-1.0f64, 0.5, 2.0, 7.0], [2, 2]).astype(dtype);
        for y in [
            nn::relu(&x),
            nn::gelu(&x),
            nn::gelu_with(&x, false),
            nn::selu(&x),
            nn::softmax(&x, -1),
            nn::logsumexp(&x, None, false),
            nn::standardize(&x, 0, 1e-5),
            nn::one_hot_with(&Array::from_vec(vec![1i32], [1]), 2, dtype, -1),
        ] {
            assert_eq!(y.dtype(), dtype);
        }
    }
    let ints = Array::from_vec(vec![-3i32, 0, 4, 9], [4]);
    assert_eq!(nn::relu(&ints).dtype(), DType::I32);
    assert_eq!(nn::relu(&ints).to_vec::<i32>(), vec![0, 0, 4, 9]);
    assert_eq!(nn::hard_tanh(&ints).to_vec::<i32>(), vec![-1, 0, 1, 1]);
    assert_eq!(nn::sigmoid(&ints).dtype(), DType::F32);
    assert_eq!(nn::softmax(&ints, 0).dtype(), DType::F32);
    assert_eq!(nn::relu6(&ints).to_vec::<f32>(), vec![0.0, 0.0, 4.0, 6.0]);
}

#[test]
fn methods_are_the_free_functions() {
    let x = Array::from_vec(vec![-2.0f32, -0.5, 0.0, 0.5, 3.0, 8.0], [2, 3]);
    let pairs = [
        (x.relu(), nn::relu(&x)),
        (x.relu6(), nn::relu6(&x)),
        (x.sigmoid(), nn::sigmoid(&x)),
        (x.log_sigmoid(), nn::log_sigmoid(&x)),
        (x.softplus(), nn::softplus(&x)),
        (x.silu(), nn::swish(&x)),
        (x.gelu(), nn::gelu(&x)),
        (x.elu(), nn::elu(&x)),
        (x.celu(), nn::celu(&x)),
        (x.selu(), nn::selu(&x)),
        (x.leaky_relu(), nn::leaky_relu(&x)),
        (x.hard_tanh(), nn::hard_tanh(&x)),
        (x.hard_sigmoid(), nn::hard_sigmoid(&x)),
        (x.hard_silu(), nn::hard_swish(&x)),
        (x.soft_sign(), nn::soft_sign(&x)),
        (x.mish(), nn::mish(&x)),
        (x.softmax(0), nn::softmax(&x, 0)),
        (x.log_softmax(-1), nn::log_softmax(&x, -1)),
        (x.logsumexp(1, false), nn::logsumexp(&x, 1, false)),
        (x.standardize(-1, 1e-3), nn::standardize(&x, -1, 1e-3)),
        (
            x.logaddexp(&x.t().reshape([2, 3])),
            equinox_core::numpy::logaddexp(&x, &x.t().reshape([2, 3])),
        ),
    ];
    for (i, (a, b)) in pairs.iter().enumerate() {
        assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>(), "pair {i}");
    }
}

#[test]
fn stop_gradient_is_the_identity_for_every_dtype() {
    let mut rng = Rng::new(9);
    for dtype in ALL_DTYPES {
        let x = random_array(&mut rng, &[3, 2], dtype).t();
        let y = lax::stop_gradient(&x);
        assert_eq!(y.dtype(), dtype);
        assert_eq!(y.shape(), x.shape());
        assert_eq!(y.to_vec::<f64>(), x.to_vec::<f64>(), "{dtype}");
        // The primitive itself accepts every dtype too (the function skips it for non-floats).
        let p = bind1(UnaryOp::StopGradient, &[&x]);
        assert_eq!(p.to_vec::<f64>(), x.to_vec::<f64>(), "{dtype}");
    }
    assert_eq!(UnaryOp::StopGradient.name(), "stop_gradient");
    let w = Array::weak_scalar(2.5);
    assert!(w.stop_gradient().weak_type(), "the weak type is kept");
}

#[test]
#[should_panic(expected = "glu: the size of axis -1 must be divisible by 2")]
fn glu_rejects_an_odd_axis() {
    nn::glu(&equinox_core::numpy::ones([2, 3]), -1);
}

#[test]
#[should_panic(expected = "one_hot: class indices must be integers")]
fn one_hot_rejects_float_indices() {
    nn::one_hot(&equinox_core::numpy::ones([2]), 3);
}

#[test]
#[should_panic(expected = "softmax: axis 2 is out of bounds for array of dimension 2")]
fn softmax_rejects_an_out_of_range_axis() {
    nn::softmax(&equinox_core::numpy::ones([2, 3]), 2);
}
