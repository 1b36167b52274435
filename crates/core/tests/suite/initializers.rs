//! `nn::initializers` against `jax.nn.initializers` (JAX 0.10.2; `parity/initializers.py` →
//! `parity/goldens/initializers.json`): the same key, shape, dtype and options give the same
//! array. Uniform-based initialisers and constants bit for bit; normal-based ones within 4 ulp
//! per element (the normal sampler's documented agreement, plus one rounding of the scale);
//! orthogonal ones, which factor the sample with our own QR, within 1e-5 (float32) or 1e-12
//! (float64) absolute. Then the properties and misuse panics.

use equinox_core::nn::initializers::{
    self as init, Distribution, FanAxes, FanMode, FanOptions, Initializer, NormalOptions,
    OrthogonalOptions, TruncatedNormalOptions, UniformOptions,
};
use equinox_core::{random, Array, DType};
use equinox_testing::golden::{encoded, sizes};
use equinox_testing::ulps::assert_within_ulps;
use equinox_testing::{Golden, Tolerance};
use serde_json::Value;

const SECTIONS: &[&str] = &["variance_scaling", "named", "orthogonal", "x64"];

fn golden() -> Golden {
    Golden::load("initializers")
}

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[SECTIONS]);
}

fn dtype(name: &str) -> DType {
    DType::from_name(name).expect("a known dtype")
}

fn axes_of(v: &Value) -> FanAxes {
    match v {
        Value::Number(n) => FanAxes::One(n.as_i64().unwrap() as isize),
        Value::Array(a) => FanAxes::Many(a.iter().map(|x| x.as_i64().unwrap() as isize).collect()),
        other => panic!("not an axis argument: {other}"),
    }
}

fn f(args: &Value, key: &str, default: f64) -> f64 {
    args.get(key).map_or(default, |v| v.as_f64().unwrap())
}

/// The Rust initialiser for a golden case, built from the same arguments.
fn build(case: &Value) -> Initializer {
    let args = &case["args"];
    let dt = args
        .get("dtype")
        .map_or(DType::F32, |d| dtype(d.as_str().unwrap()));
    let fans = || {
        let mut o = FanOptions {
            dtype: dt,
            ..Default::default()
        };
        if let Some(a) = args.get("in_axis") {
            o.in_axis = axes_of(a);
        }
        if let Some(a) = args.get("out_axis") {
            o.out_axis = axes_of(a);
        }
        if let Some(a) = args.get("batch_axis") {
            o.batch_axis = axes_of(a);
        }
        o
    };
    let ortho = || OrthogonalOptions {
        scale: f(args, "scale", 1.0),
        column_axis: args
            .get("column_axis")
            .map_or(-1, |v| v.as_i64().unwrap() as isize),
        dtype: dt,
    };
    match case["init"].as_str().unwrap() {
        "variance_scaling" => {
            let mode = match args["mode"].as_str().unwrap() {
                "fan_in" => FanMode::FanIn,
                "fan_out" => FanMode::FanOut,
                "fan_avg" => FanMode::FanAvg,
                "fan_geo_avg" => FanMode::FanGeoAvg,
                m => panic!("mode {m}"),
            };
            let dist = match args["distribution"].as_str().unwrap() {
                "truncated_normal" => Distribution::TruncatedNormal,
                "normal" => Distribution::Normal,
                "uniform" => Distribution::Uniform,
                d => panic!("distribution {d}"),
            };
            init::variance_scaling_with_options(args["scale"].as_f64().unwrap(), mode, dist, fans())
        }
        "glorot_uniform" => init::glorot_uniform_with_options(fans()),
        "glorot_normal" => init::glorot_normal_with_options(fans()),
        "he_uniform" => init::he_uniform_with_options(fans()),
        "he_normal" => init::he_normal_with_options(fans()),
        "lecun_uniform" => init::lecun_uniform_with_options(fans()),
        "lecun_normal" => init::lecun_normal_with_options(fans()),
        "uniform" => init::uniform_with_options(UniformOptions {
            scale: f(args, "scale", 1e-2),
            dtype: dt,
        }),
        "normal" => init::normal_with_options(NormalOptions {
            stddev: f(args, "stddev", 1e-2),
            dtype: dt,
        }),
        "truncated_normal" => init::truncated_normal_with_options(TruncatedNormalOptions {
            stddev: f(args, "stddev", 1e-2),
            lower: f(args, "lower", -2.0),
            upper: f(args, "upper", 2.0),
            dtype: dt,
        }),
        "constant" => init::constant_with_dtype(args["value"].as_f64().unwrap(), dt),
        "zeros" => Initializer::new(DType::F32, init::zeros_with_dtype),
        "ones" => Initializer::new(DType::F32, init::ones_with_dtype),
        "orthogonal" => init::orthogonal_with_options(ortho()),
        "delta_orthogonal" => init::delta_orthogonal_with_options(ortho()),
        other => panic!("no initialiser {other}"),
    }
}

/// Each element's bits, in its own dtype, widened to u64.
fn bits_of(a: &Array) -> Vec<u64> {
    match a.dtype() {
        DType::F16 => a
            .to_vec::<equinox_core::f16>()
            .iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        DType::BF16 => a
            .to_vec::<equinox_core::bf16>()
            .iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        DType::F32 => a
            .to_vec::<f32>()
            .iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        DType::F64 => a.to_vec::<f64>().iter().map(|x| x.to_bits()).collect(),
        other => panic!("not a float dtype: {other:?}"),
    }
}

fn check_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let initializer = build(case);
    let shape = sizes(&case["shape"]);
    let key = random::key(case["seed"].as_u64().unwrap());
    let out = match &case["call_dtype"] {
        Value::String(d) => initializer.init_with_dtype(key, shape.clone(), dtype(d)),
        _ => initializer.init(key, shape.clone()),
    };
    let want = &case["out"];
    assert_eq!(
        out.dtype(),
        dtype(want["dtype"].as_str().unwrap()),
        "{name}: dtype"
    );
    assert_eq!(
        out.shape(),
        sizes(&want["shape"]).as_slice(),
        "{name}: shape"
    );
    let want_bits = equinox_testing::golden::bits(want);
    let got_bits = bits_of(&out);
    let kind = case["init"].as_str().unwrap();
    let normal_based = kind.ends_with("normal")
        || case["args"]["distribution"]
            .as_str()
            .is_some_and(|d| d.ends_with("normal"));
    if kind.contains("orthogonal") {
        let atol = if out.dtype() == DType::F64 {
            1e-12
        } else {
            1e-5
        };
        equinox_testing::assert_close(
            name,
            &out.astype(DType::F64).to_vec::<f64>(),
            &encoded(want).data,
            Tolerance::new(0.0, atol),
        );
    } else if normal_based {
        assert_within_ulps(name, &got_bits, &want_bits, out.dtype().bits(), 4);
    } else {
        assert_eq!(got_bits, want_bits, "{name}: bits differ from JAX");
    }
}

#[test]
fn initializers_match_jax() {
    let g = golden();
    let mut n = 0;
    for section in SECTIONS {
        for case in g.section(section).iter() {
            check_case(case);
            n += 1;
        }
    }
    assert_eq!(n, 65);
    g.assert_all_read();
}

fn matrix(a: &Array) -> Vec<f64> {
    a.astype(DType::F64).to_vec::<f64>()
}

#[test]
fn orthogonal_rows_or_columns_are_orthonormal() {
    for (shape, rows_orthonormal) in [([3usize, 7], true), ([7, 3], false), ([5, 5], true)] {
        let q = init::orthogonal().init(random::key(11), shape);
        let gram = if rows_orthonormal {
            q.matmul(&q.t())
        } else {
            q.t().matmul(&q)
        };
        let n = gram.shape()[0];
        let g = matrix(&gram);
        for i in 0..n {
            for j in 0..n {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!(
                    (g[i * n + j] - want).abs() < 1e-5,
                    "{shape:?}: gram[{i},{j}] = {}",
                    g[i * n + j]
                );
            }
        }
    }
}

#[test]
fn variance_scaling_has_the_requested_spread() {
    // fan_in = 200 * 3 (receptive field) = 600; He: variance 2 / 600.
    let w = init::he_uniform_with_options(FanOptions {
        in_axis: 1.into(),
        out_axis: 0.into(),
        ..Default::default()
    })
    .init(random::key(3), [50, 200, 3]);
    let v = matrix(&w);
    let lim = (3.0f64 * 2.0 / 600.0).sqrt();
    assert!(v.iter().all(|x| x.abs() < lim));
    let var = v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
    assert!((var / (2.0 / 600.0) - 1.0).abs() < 0.05, "variance {var}");

    // Truncated normal: rescaled so that the truncated variance is the target.
    let w = init::lecun_normal().init(random::key(4), [400, 100]);
    let v = matrix(&w);
    let var = v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
    assert!((var / (1.0 / 400.0) - 1.0).abs() < 0.05, "variance {var}");
    assert!(v.iter().all(|x| x.abs() < 2.0 / 0.879_625_661 / 20.0));
}

#[test]
fn constants_and_defaults() {
    assert_eq!(
        init::zeros(random::key(0), [2]).to_vec::<f32>(),
        vec![0.0; 2]
    );
    assert_eq!(
        init::ones(random::key(0), [3]).to_vec::<f32>(),
        vec![1.0; 3]
    );
    let c = init::constant(2.5);
    assert_eq!(c.dtype(), DType::F32);
    assert_eq!(
        c.init_with_dtype(random::key(0), [2], DType::F64)
            .to_vec::<f64>(),
        vec![2.5; 2]
    );
    let u = init::uniform().init(random::key(1), [100]);
    assert!(matrix(&u).iter().all(|x| (0.0..0.01).contains(x)));
    // The aliases are the same initialisers.
    let a = init::xavier_uniform().init(random::key(2), [4, 3]);
    let b = init::glorot_uniform().init(random::key(2), [4, 3]);
    assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
    let a = init::kaiming_normal().init(random::key(2), [4, 3]);
    let b = init::he_normal().init(random::key(2), [4, 3]);
    assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
}

#[test]
#[should_panic(
    expected = "initializers.variance_scaling: Can't compute input and output sizes of a \
                1-dimensional weights tensor with default in_axis"
)]
fn fans_need_two_dimensions_by_default() {
    init::glorot_uniform().init(random::key(0), [5]);
}

#[test]
#[should_panic(
    expected = "initializers.variance_scaling: axis 3 is out of range for the shape [2, 3]"
)]
fn fan_axes_must_exist() {
    init::he_uniform_with_options(FanOptions {
        in_axis: 3.into(),
        ..Default::default()
    })
    .init(random::key(0), [2, 3]);
}

#[test]
#[should_panic(
    expected = "initializers.orthogonal: orthogonal initializer requires at least a 2D shape"
)]
fn orthogonal_needs_a_matrix() {
    init::orthogonal().init(random::key(0), [4]);
}

#[test]
#[should_panic(
    expected = "initializers.delta_orthogonal: `fan_in` must be less or equal than `fan_out`"
)]
fn delta_orthogonal_needs_fan_in_at_most_fan_out() {
    init::delta_orthogonal().init(random::key(0), [3, 4, 2]);
}

#[test]
#[should_panic(
    expected = "initializers.delta_orthogonal: Delta orthogonal initializer requires a 3D, 4D or 5D shape"
)]
fn delta_orthogonal_needs_a_kernel_shape() {
    init::delta_orthogonal().init(random::key(0), [3, 3]);
}

#[test]
#[should_panic(expected = "initializers.normal: the dtype must be a floating type, got I32")]
fn initializers_need_a_float_dtype() {
    init::normal().init_with_dtype(random::key(0), [2], DType::I32);
}
