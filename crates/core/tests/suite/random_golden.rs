//! `equinox_core::random` against vectors written by jax 0.10.2 on CPU: the shared golden file
//! (`parity/goldens/prng_golden.json`) and further cases from `parity/prng.py`
//! (`parity/goldens/prng_extra.json`).

use equinox_core::random::{self, Key, Mode};
use equinox_core::{Array, DType};
use equinox_testing::Golden;
use serde_json::Value;

fn load(topic: &str) -> Golden {
    Golden::load(topic)
}

/// The sections of `prng_golden.json`: one per seed in JAX's default (partitionable) mode, and
/// one in the legacy mode.
const SEED_SECTIONS: &[&str] = &["PRNGKey(0)", "PRNGKey(42)", "PRNGKey(2147483647)"];
const LEGACY_SECTIONS: &[&str] = &["PRNGKey(0)_partitionable_False"];

#[test]
fn every_shared_golden_section_is_checked() {
    load("prng_golden").assert_claimed(&[SEED_SECTIONS, LEGACY_SECTIONS]);
}

/// Flattens nested JSON arrays of numbers or bools into u64s (bools as 0/1).
fn flat(v: &Value) -> Vec<u64> {
    match v {
        Value::Array(xs) => xs.iter().flat_map(flat).collect(),
        Value::Bool(b) => vec![*b as u64],
        Value::Number(n) => vec![n
            .as_u64()
            .or_else(|| n.as_i64().map(|i| i as u64))
            .expect("integer")],
        _ => panic!("unexpected JSON value {v}"),
    }
}

fn ints(v: &Value) -> Vec<i64> {
    flat(v).into_iter().map(|x| x as i64).collect()
}

/// The IEEE bits of a float array, widened to u64.
fn float_bits(a: &Array) -> Vec<u64> {
    match a.dtype() {
        DType::F32 => a
            .to_vec::<f32>()
            .iter()
            .map(|v| v.to_bits() as u64)
            .collect(),
        DType::F64 => a.to_vec::<f64>().iter().map(|v| v.to_bits()).collect(),
        DType::F16 => a
            .to_vec::<equinox_core::f16>()
            .iter()
            .map(|v| v.to_bits() as u64)
            .collect(),
        DType::BF16 => a
            .to_vec::<equinox_core::bf16>()
            .iter()
            .map(|v| v.to_bits() as u64)
            .collect(),
        d => panic!("not a float dtype: {d}"),
    }
}

/// Distance in ulps between two floats of one format given as bit patterns of `width` bits
/// (the difference of their positions on the sign-magnitude number line).
fn ulp_distance(a: u64, b: u64, width: u32) -> u64 {
    let sign = 1u64 << (width - 1);
    let line = |x: u64| -> i128 {
        if x & sign != 0 {
            -((x & (sign - 1)) as i128)
        } else {
            x as i128
        }
    };
    (line(a) - line(b)).unsigned_abs() as u64
}

#[test]
fn ulp_counter_counts_ulps() {
    let one = 1.0f32.to_bits() as u64;
    assert_eq!(ulp_distance(one, one + 3, 32), 3);
    // Across zero: the smallest positive and negative subnormals are 2 ulp apart.
    assert_eq!(ulp_distance(1, (1 << 31) | 1, 32), 2);
    assert_eq!(ulp_distance(0, 1 << 31, 32), 0);
}

fn key_of(seed_name: &str) -> Key {
    let seed: u64 = seed_name
        .trim_start_matches("PRNGKey(")
        .trim_end_matches(')')
        .parse()
        .expect("seed");
    random::key(seed)
}

fn shape_of(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim") as usize)
        .collect()
}

fn u32s(a: &Array) -> Vec<u64> {
    a.to_vec::<u32>().into_iter().map(u64::from).collect()
}

#[test]
fn shared_golden_vectors_are_reproduced_exactly() {
    let golden = load("prng_golden");
    for &name in SEED_SECTIONS {
        let g = golden.section(name);
        let key = || key_of(name);
        let what = |k: &str| format!("{name} {k}");
        assert_eq!(u32s(key().data()), flat(&g["key"]), "{}", what("key"));
        assert_eq!(
            u32s(key().data()),
            flat(&g["key_data(key(s))"]),
            "{}",
            what("key_data")
        );
        assert_eq!(u32s(random::split(key(), [2]).data()), flat(&g["split_2"]));
        assert_eq!(u32s(random::split(key(), [3]).data()), flat(&g["split_3"]));
        assert_eq!(
            u32s(random::split(key(), [2, 2]).data()),
            flat(&g["split_(2,2)"])
        );
        let sv: Vec<u64> = random::split_vec(key(), 3)
            .iter()
            .flat_map(|k| u32s(k.data()))
            .collect();
        assert_eq!(sv, flat(&g["split_3"]), "{}", what("split_vec"));
        assert_eq!(
            u32s(random::fold_in(key(), 7).data()),
            flat(&g["fold_in_7"])
        );
        assert_eq!(u32s(&random::bits(key(), [5])), flat(&g["bits_u32_(5,)"]));
        assert_eq!(
            u32s(&random::bits(key(), [2, 3])),
            flat(&g["bits_u32_(2,3)"])
        );
        assert_eq!(u32s(&random::bits(key(), ())), flat(&g["bits_u32_()"]));
        let cases: [(&str, Array); 5] = [
            (
                "uniform_f32_(7,)",
                random::uniform(key(), [7], DType::F32, 0.0, 1.0),
            ),
            (
                "uniform_f32_-3_5_(2,3)",
                random::uniform(key(), [2, 3], DType::F32, -3.0, 5.0),
            ),
            ("normal_f32_(7,)", random::normal(key(), [7], DType::F32)),
            (
                "normal_f32_(2,3)",
                random::normal(key(), [2, 3], DType::F32),
            ),
            (
                "truncated_normal_f32_-2_2_(5,)",
                random::truncated_normal(key(), -2.0, 2.0, [5], DType::F32),
            ),
        ];
        for (k, got) in cases {
            assert_eq!(got.shape(), &shape_of(&g[k])[..], "{}", what(k));
            let want = flat(&g[k]["bits_u32"]);
            if k.starts_with("truncated") {
                // erf_inv's large-|u| branch uses XLA's own f32 log, reproduced to 1 ulp only.
                let worst = float_bits(&got)
                    .iter()
                    .zip(&want)
                    .map(|(&a, &b)| ulp_distance(a, b, 32))
                    .max();
                assert!(worst <= Some(3), "{}: {worst:?} ulp", what(k));
            } else {
                assert_eq!(float_bits(&got), want, "{}", what(k));
            }
        }
        assert_eq!(
            flat(&g["bernoulli_0.3_(8,)"]),
            random::bernoulli(key(), 0.3, [8])
                .to_vec::<bool>()
                .into_iter()
                .map(u64::from)
                .collect::<Vec<_>>()
        );
        let to_i64 = |a: Array| {
            a.to_vec::<i32>()
                .into_iter()
                .map(i64::from)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            to_i64(random::randint(key(), [6], 0, 10, DType::I32)),
            ints(&g["randint_int32_0_10_(6,)"])
        );
        assert_eq!(
            to_i64(random::permutation(key(), 10)),
            ints(&g["permutation_10"])
        );
        let logits = Array::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], [4]);
        assert_eq!(
            to_i64(random::categorical(key(), &logits, -1, Some([5].into()))),
            ints(&g["categorical_logits[0,1,2,3]_(5,)"])
        );
        assert_eq!(
            to_i64(random::choice(key(), 10, [4])),
            ints(&g["choice_10_(4,)_replace"])
        );
        assert_eq!(
            to_i64(random::choice_with_options(
                key(),
                10,
                [4],
                random::ChoiceOptions {
                    replace: false,
                    ..Default::default()
                }
            )),
            ints(&g["choice_10_(4,)_noreplace"])
        );
    }
    golden.assert_sections_read(SEED_SECTIONS);
}

#[test]
fn shared_golden_legacy_mode_is_reproduced_exactly() {
    let golden = load("prng_golden");
    let g = golden.section(LEGACY_SECTIONS[0]);
    let key = || random::key(0).with_mode(Mode::Legacy);
    assert_eq!(u32s(random::split(key(), [2]).data()), flat(&g["split_2"]));
    assert_eq!(u32s(random::split(key(), [3]).data()), flat(&g["split_3"]));
    let sv: Vec<u64> = random::split_vec(key(), 3)
        .iter()
        .flat_map(|k| u32s(k.data()))
        .collect();
    assert_eq!(sv, flat(&g["split_3"]));
    // Derived keys keep the mode.
    let [k1, _] = random::split_into::<2>(key());
    assert_eq!(k1.mode(), Mode::Legacy);
    assert_eq!(random::fold_in(key(), 1).mode(), Mode::Legacy);
    assert_eq!(u32s(&random::bits(key(), [5])), flat(&g["bits_u32_(5,)"]));
    let u = random::uniform(key(), [7], DType::F32, 0.0, 1.0);
    assert_eq!(float_bits(&u), flat(&g["uniform_f32_(7,)"]["bits_u32"]));
    let z = random::normal(key(), [7], DType::F32);
    let worst = float_bits(&z)
        .iter()
        .zip(&flat(&g["normal_f32_(7,)"]["bits_u32"]))
        .map(|(&a, &b)| ulp_distance(a, b, 32))
        .max();
    assert!(worst <= Some(3), "legacy normal: {worst:?} ulp");
    // The modes really differ: the partitionable split of the same key is another one.
    assert_ne!(
        u32s(random::split(random::key(0), [2]).data()),
        flat(&g["split_2"])
    );
    golden.assert_sections_read(LEGACY_SECTIONS);
}

#[test]
#[should_panic(expected = "random.choice: a must be at least 1-D")]
fn choice_array_rejects_a_scalar() {
    random::choice_array(random::key(0), &Array::scalar(3.0f32), [2]);
}

#[test]
#[should_panic(expected = "p must be a 1-D array of the population size (4)")]
fn choice_array_checks_p_against_the_axis() {
    let a = Array::from_vec(vec![0.0f32; 12], [3, 4]);
    let p = Array::from_vec(vec![1.0f32; 3], [3]);
    random::choice_array_with_options(
        random::key(0),
        &a,
        [2],
        random::ChoiceOptions {
            p: Some(&p),
            axis: 1,
            ..Default::default()
        },
    );
}

#[test]
fn choice_array_with_no_draws_is_empty() {
    let a = Array::from_vec(vec![0i32; 12], [3, 4]);
    let c = random::choice_array_with_options(
        random::key(0),
        &a,
        [0],
        random::ChoiceOptions {
            replace: false,
            axis: 1,
            ..Default::default()
        },
    );
    assert_eq!(c.shape(), &[3, 0]);
    assert_eq!(c.dtype(), DType::I32);
}

fn dtype_named(name: &str) -> DType {
    DType::from_name(name).unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// The numbers of a JSON list.
fn flat_f64(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// Runs one case of `prng_extra.json` and returns the output flattened like the golden.
fn run_case(c: &Value) -> Vec<u64> {
    let seed = c["seed"].as_u64().expect("seed");
    let key = if c["x64"].as_bool().expect("x64") {
        random::key_x64(seed)
    } else {
        random::key(seed)
    };
    let key = if c["legacy"].as_bool().expect("legacy") {
        key.with_mode(Mode::Legacy)
    } else {
        key
    };
    let shape: Vec<usize> = shape_of(c);
    let p = &c["params"];
    let f = |k: &str| p[k].as_f64().expect("float param");
    let i = |k: &str| p[k].as_i64().expect("int param");
    let dtype_name = c["dtype"].as_str().expect("dtype");
    let out = match c["op"].as_str().expect("op") {
        "bits" => random::bits(key, shape),
        "bits_u8" => random::bits_u8(key, shape),
        "bits_u16" => random::bits_u16(key, shape),
        "bits_u64" => random::bits_u64(key, shape),
        "split" => {
            let num: Vec<usize> = flat(&p["num"]).into_iter().map(|d| d as usize).collect();
            random::split(key, num).into_data()
        }
        "fold_in" => random::fold_in(key, i("data") as u32).into_data(),
        "uniform" => random::uniform(
            key,
            shape,
            dtype_named(dtype_name),
            f("minval"),
            f("maxval"),
        ),
        "normal" => random::normal(key, shape, dtype_named(dtype_name)),
        "truncated_normal" => {
            random::truncated_normal(key, f("lower"), f("upper"), shape, DType::F32)
        }
        "bernoulli" => random::bernoulli(key, f("p"), shape),
        "randint" => random::randint(
            key,
            shape,
            i("minval"),
            i("maxval"),
            dtype_named(dtype_name),
        ),
        "permutation" => random::permutation(key, i("n") as usize),
        "permutation_array" => {
            let x = Array::from_vec((0..12).collect::<Vec<i32>>(), [4, 3]);
            let indep = p["independent"].as_bool().expect("independent");
            random::permutation_array(key, &x, i("axis") as isize, indep)
        }
        "categorical" => {
            let logits: Vec<f32> = (0..12)
                .map(|j| (-2.0f64 + 3.0 * j as f64 / 11.0) as f32)
                .collect();
            let logits = Array::from_vec(logits, [3, 4]);
            let s = p["shape"].as_array().map(|a| {
                a.iter()
                    .map(|d| d.as_u64().expect("dim") as usize)
                    .collect::<Vec<_>>()
                    .into()
            });
            random::categorical(key, &logits, i("axis") as isize, s)
        }
        "choice" => {
            let probs = Array::from_vec(vec![0.1f32, 0.2, 0.05, 0.3, 0.15, 0.2], [6]);
            let with_p = p["p"].as_bool().expect("p flag");
            let replace = p["replace"].as_bool().expect("replace");
            random::choice_with_options(
                key,
                i("n") as usize,
                shape,
                random::ChoiceOptions {
                    replace,
                    p: with_p.then_some(&probs),
                    ..Default::default()
                },
            )
        }
        "choice_array" => {
            let dims =
                |k: &str| -> Vec<usize> { flat(&p[k]).into_iter().map(|d| d as usize).collect() };
            let a_shape = dims("a_shape");
            let size: usize = a_shape.iter().product();
            let a = Array::from_vec((0..size).map(|v| v as f32).collect::<Vec<_>>(), a_shape);
            let axis = i("axis") as isize;
            let m = a.shape()[axis.rem_euclid(a.ndim() as isize) as usize];
            // (linspace(1, 2, m) ** 2) in float32, as the script builds it.
            let probs: Vec<f32> = (0..m)
                .map(|j| {
                    let t = if m == 1 {
                        1.0
                    } else {
                        1.0 + j as f64 / (m - 1) as f64
                    } as f32;
                    t * t
                })
                .collect();
            let probs = Array::from_vec(probs, [m]);
            let with_p = p["p"].as_bool().expect("p flag");
            random::choice_array_with_options(
                key,
                &a,
                dims("shape"),
                random::ChoiceOptions {
                    replace: p["replace"].as_bool().expect("replace"),
                    p: with_p.then_some(&probs),
                    axis,
                },
            )
        }
        "gumbel" => random::gumbel(key, shape, DType::F32),
        "exponential" => random::exponential(key, shape, DType::F32),
        "laplace" => random::laplace(key, shape, DType::F32),
        "logistic" => random::logistic(key, shape, DType::F32),
        "cauchy" => random::cauchy(key, shape, dtype_named(dtype_name)),
        "maxwell" => random::maxwell(key, shape, dtype_named(dtype_name)),
        "pareto" => random::pareto(key, f("b"), shape, dtype_named(dtype_name)),
        "weibull_min" => random::weibull_min(
            key,
            f("scale"),
            f("concentration"),
            shape,
            dtype_named(dtype_name),
        ),
        "rayleigh" => random::rayleigh(key, f("scale"), shape, dtype_named(dtype_name)),
        "wald" => random::wald(key, f("mean"), shape, dtype_named(dtype_name)),
        "triangular" => random::triangular(
            key,
            f("left"),
            f("mode"),
            f("right"),
            shape,
            dtype_named(dtype_name),
        ),
        "lognormal" => random::lognormal(key, f("sigma"), shape, dtype_named(dtype_name)),
        "double_sided_maxwell" => {
            random::double_sided_maxwell(key, f("loc"), f("scale"), shape, dtype_named(dtype_name))
        }
        "rademacher" => random::rademacher(key, shape, dtype_named(dtype_name)),
        "geometric" => random::geometric(key, f("p"), shape, dtype_named(dtype_name)),
        "beta" => random::beta(key, f("a"), f("b"), shape, dtype_named(dtype_name)),
        "dirichlet" => {
            let alpha: Vec<f32> = flat_f64(&p["alpha"])
                .into_iter()
                .map(|v| v as f32)
                .collect();
            let k = alpha.len();
            let batch = shape[..shape.len() - 1].to_vec();
            random::dirichlet(
                key,
                &Array::from_vec(alpha, [k]),
                batch,
                dtype_named(dtype_name),
            )
        }
        "chisquare" => random::chisquare(key, f("df"), shape, dtype_named(dtype_name)),
        "t" => random::t(key, f("df"), shape, dtype_named(dtype_name)),
        "f" => random::f(key, f("dfnum"), f("dfden"), shape, dtype_named(dtype_name)),
        "generalized_normal" => {
            random::generalized_normal(key, f("p"), shape, dtype_named(dtype_name))
        }
        "ball" => {
            let batch = shape[..shape.len() - 1].to_vec();
            random::ball(key, i("d") as usize, f("p"), batch, dtype_named(dtype_name))
        }
        "poisson" => {
            let lam = match &p["lam"] {
                Value::Array(_) => {
                    let v: Vec<f32> = flat_f64(&p["lam"]).into_iter().map(|x| x as f32).collect();
                    let n = v.len();
                    Array::from_vec(v, [n])
                }
                v => Array::scalar(v.as_f64().expect("lam")),
            };
            random::poisson(key, lam, shape)
        }
        "gamma" | "loggamma" => {
            // `a` is a Python float or a float32 array.
            let a = match &p["a"] {
                Value::Array(v) => {
                    let v: Vec<f32> = v.iter().map(|x| x.as_f64().expect("a") as f32).collect();
                    let n = v.len();
                    Array::from_vec(v, [n])
                }
                v => Array::scalar(v.as_f64().expect("a")),
            };
            let dtype = dtype_named(dtype_name);
            if c["op"] == "gamma" {
                random::gamma(key, a, shape, dtype)
            } else {
                random::loggamma(key, a, shape, dtype)
            }
        }
        op => panic!("unknown op {op}"),
    };
    assert_eq!(out.shape(), &shape_of(c)[..], "shape of {c}");
    match out.dtype() {
        d if d.is_float() => float_bits(&out),
        DType::Bool => out.to_vec::<bool>().into_iter().map(u64::from).collect(),
        DType::I64 => out.to_vec::<i64>().into_iter().map(|v| v as u64).collect(),
        DType::U64 => out.to_vec::<u64>(),
        DType::I32 => out
            .to_vec::<i32>()
            .into_iter()
            .map(|v| v as i64 as u64)
            .collect(),
        _ => out.to_vec::<u32>().into_iter().map(u64::from).collect(),
    }
}

/// Whether a non-bit-exact result is close enough. `normal` and `truncated_normal` must be
/// within 3 ulp (the bound: only XLA's f32 `log` inside `erf_inv` is not reproduced).
/// The other transcendental samplers use Rust's `log`/`log1p`, which differ from XLA's by an ulp
/// or so; composing two of them (Gumbel's `-log(-log u)`) can grow that in ulps of results near
/// zero, so they are held to 3 ulp or a tolerance of 4 float32 epsilons relative to
/// `max(1, |want|)`.
fn close_enough(op: &str, got: u64, want: u64, width: u32) -> bool {
    if ulp_distance(got, want, width) <= 3 {
        return true;
    }
    if op == "normal" || op == "truncated_normal" || width != 32 {
        return false;
    }
    // The Gamma family chains log, pow and exp over the draws (`generalized_normal` raises a
    // Gamma sample to 1/p; `loggamma` adds two logs that can cancel), which multiplies the
    // last-bit differences: held to 16 epsilons. A different draw would be off by far more.
    let gamma_family = [
        "gamma",
        "loggamma",
        "beta",
        "dirichlet",
        "chisquare",
        "t",
        "f",
        "generalized_normal",
        "ball",
    ];
    let eps = if gamma_family.contains(&op) {
        16.0
    } else {
        4.0
    };
    let (g, w) = (f32::from_bits(got as u32), f32::from_bits(want as u32));
    (g - w).abs() <= eps * f32::EPSILON * w.abs().max(1.0)
}

#[test]
fn extra_jax_cases_match() {
    check_golden_cases(load("prng_extra"));
}

/// The closed-form samplers (`parity/prng_samplers.py`).
#[test]
fn sampler_jax_cases_match() {
    check_golden_cases(load("prng_samplers"));
}

/// Runs every case of a golden file in `prng.py`'s format: exact cases bit for bit, the others
/// within [`close_enough`], reporting how many elements differ per sampler and dtype.
fn check_golden_cases(golden: Golden) {
    let cases = golden.section("cases");
    assert!(cases.len() > 200);
    let mut inexact = std::collections::BTreeMap::<String, (u64, usize, usize)>::new();
    for c in cases.iter() {
        let want = flat(&c["out"]);
        let got = run_case(c);
        let op = c["op"].as_str().expect("op");
        if c["exact"].as_bool().expect("exact") {
            assert_eq!(got, want, "case {c}");
            continue;
        }
        let width = match c["dtype"].as_str().expect("dtype") {
            "float64" => 64,
            "float32" => 32,
            _ => 16,
        };
        let worst = got
            .iter()
            .zip(&want)
            .map(|(&a, &b)| ulp_distance(a, b, width))
            .max()
            .unwrap_or(0);
        let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        let e = inexact
            .entry(format!("{op} {}", c["dtype"]))
            .or_insert((0, 0, 0));
        *e = (e.0.max(worst), e.1 + differ, e.2 + want.len());
        for (&g, &w) in got.iter().zip(&want) {
            assert!(
                close_enough(op, g, w, width),
                "case {c}: got bits {g}, JAX {w} ({} ulp)",
                ulp_distance(g, w, width)
            );
        }
    }
    for (k, (worst, differ, n)) in &inexact {
        eprintln!("{k}: {differ}/{n} elements differ, at most {worst} ulp");
    }
    golden.assert_all_read();
}
