//! Statistical sanity of every sampler on 10^5 draws (means, variances, Kolmogorov-Smirnov
//! distances), the Threefry known-answer tests, and misuse messages. Thresholds sit at about
//! four standard errors (KS: the 0.1% critical value 1.95/sqrt(n)), so a correct sampler passes
//! for the fixed seeds while a wrong scale, shift or shape fails.

use equinox_core::prims::bind;
use equinox_core::prims::prng::PrngOp;
use equinox_core::random::{self, Key};
use equinox_core::{Array, DType};

const N: usize = 100_000;

fn key(seed: u64) -> Key {
    random::key(seed)
}

fn moments(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var)
}

/// Kolmogorov-Smirnov distance between the sample and a CDF.
fn ks(x: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut s = x.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len() as f64;
    s.iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = cdf(v);
            (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max)
}

const KS_CRIT: f64 = 1.95 / 316.227_766; // 1.95 / sqrt(N)

/// The standard normal CDF (Abramowitz & Stegun 7.1.26 for erf, error below 1.5e-7).
fn phi(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    0.5 * (1.0 + erf.copysign(x))
}

fn check_moments(what: &str, x: &[f64], mean: f64, var: f64) {
    let (m, v) = moments(x);
    let se_mean = (var / x.len() as f64).sqrt();
    assert!(
        (m - mean).abs() < 4.0 * se_mean + 1e-12,
        "{what}: mean {m}, expected {mean} (±{})",
        4.0 * se_mean
    );
    // The variance's standard error is about var * sqrt(2 / n) for light tails; allow 6.
    assert!(
        (v - var).abs() < 6.0 * var * (2.0 / x.len() as f64).sqrt(),
        "{what}: variance {v}, expected {var}"
    );
}

#[test]
fn threefry_matches_the_random123_known_answers() {
    let run = |k: [u32; 2], x: [u32; 2]| {
        let a = |v: u32| Array::scalar(v);
        let out = bind(
            PrngOp::Threefry2x32,
            &[&a(k[0]), &a(k[1]), &a(x[0]), &a(x[1])],
        );
        [out[0].item::<u32>(), out[1].item::<u32>()]
    };
    assert_eq!(run([0, 0], [0, 0]), [0x6b20_0159, 0x99ba_4efe]);
    assert_eq!(
        run([0x1319_8a2e, 0x0370_7344], [0x243f_6a88, 0x85a3_08d3]),
        [0xc492_3a9c, 0x483d_f7a0]
    );
}

#[test]
fn threefry_broadcasts_scalars_and_checks_dtypes() {
    let k0 = Array::scalar(0u32);
    let xs = Array::from_vec(vec![0u32, 0, 0], [3]);
    let out = bind(PrngOp::Threefry2x32, &[&k0, &k0, &xs, &xs]);
    assert_eq!(out[0].to_vec::<u32>(), vec![0x6b20_0159; 3]);
    assert_eq!(out[1].shape(), &[3]);
}

#[test]
#[should_panic(expected = "threefry2x32: all operands (k0, k1, x0, x1) must be uint32")]
fn threefry_rejects_signed_operands() {
    let a = Array::scalar(0i32);
    bind(PrngOp::Threefry2x32, &[&a, &a, &a, &a]);
}

#[test]
fn bits_are_balanced() {
    let b = random::bits(key(1), [N]).to_vec::<u32>();
    for bit in [0, 7, 16, 31] {
        let ones = b.iter().filter(|&&v| v >> bit & 1 == 1).count() as f64 / N as f64;
        assert!((ones - 0.5).abs() < 0.0064, "bit {bit}: {ones}");
    }
    let u: Vec<f64> = b.iter().map(|&v| v as f64 / 4_294_967_296.0).collect();
    assert!(ks(&u, |x| x.clamp(0.0, 1.0)) < KS_CRIT);
    let b8 = random::bits_u8(key(2), [N]).to_vec::<f64>();
    check_moments("bits_u8", &b8, 127.5, (256.0 * 256.0 - 1.0) / 12.0);
    let b16 = random::bits_u16(key(3), [N]).to_vec::<f64>();
    assert!(b16.iter().all(|&v| v < 65536.0));
    check_moments(
        "bits_u16",
        &b16,
        32767.5,
        (65536.0f64 * 65536.0 - 1.0) / 12.0,
    );
    let b64 = random::bits_u64(key(4), [N]).to_vec::<i64>();
    let top = b64.iter().filter(|&&v| v < 0).count() as f64 / N as f64;
    let low = b64.iter().filter(|&&v| v & 1 == 1).count() as f64 / N as f64;
    assert!((top - 0.5).abs() < 0.0064 && (low - 0.5).abs() < 0.0064);
}

#[test]
fn uniform_is_uniform_in_every_dtype() {
    for (i, dtype) in [DType::F32, DType::F64, DType::F16, DType::BF16]
        .into_iter()
        .enumerate()
    {
        // (Seeds 110.. rather than 10..: jax.random.uniform(PRNGKey(10), (10**5,)) itself has a
        // KS distance of 2.04 / sqrt(n), a p = 5e-4 draw that this 1e-3 test would reject.)
        let u = random::uniform(key(110 + i as u64), [N], dtype, -3.0, 5.0);
        assert_eq!(u.dtype(), dtype);
        let v = u.to_vec::<f64>();
        assert!(v.iter().all(|&x| (-3.0..=5.0).contains(&x)), "{dtype}");
        // [0, 1) holds m = 2^nmant equally likely levels k / m.
        let m = match dtype {
            DType::BF16 => 128.0,
            DType::F16 => 1024.0,
            DType::F32 => 8_388_608.0,
            _ => 4_503_599_627_370_496.0f64,
        };
        let (mean, var) = (
            -3.0 + 8.0 * (m - 1.0) / (2.0 * m),
            64.0 * (m * m - 1.0) / (12.0 * m * m),
        );
        check_moments(&format!("uniform {dtype}"), &v, mean, var);
        // bfloat16 has only 128 levels per binade: allow for its discreteness.
        let crit = if dtype == DType::BF16 { 0.02 } else { KS_CRIT };
        let d = ks(&v, |x| ((x + 3.0) / 8.0).clamp(0.0, 1.0));
        assert!(d < crit, "KS {dtype}: {d} (critical {crit})");
    }
}

#[test]
fn normal_is_standard_normal() {
    for (i, dtype) in [DType::F32, DType::F64, DType::F16].into_iter().enumerate() {
        let z = random::normal(key(20 + i as u64), [N], dtype).to_vec::<f64>();
        check_moments(&format!("normal {dtype}"), &z, 0.0, 1.0);
        let crit = if dtype == DType::F16 { 0.01 } else { KS_CRIT };
        assert!(ks(&z, phi) < crit, "KS normal {dtype}");
    }
}

#[test]
fn truncated_normal_stays_inside_and_has_the_truncated_law() {
    let (a, b) = (-1.0, 2.0);
    let z = random::truncated_normal(key(30), a, b, [N], DType::F32).to_vec::<f64>();
    assert!(z.iter().all(|&x| x > a && x < b));
    let pdf = |x: f64| (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let mass = phi(b) - phi(a);
    let mean = (pdf(a) - pdf(b)) / mass;
    let var = 1.0 + (a * pdf(a) - b * pdf(b)) / mass - mean * mean;
    check_moments("truncated_normal", &z, mean, var);
    assert!(ks(&z, |x| ((phi(x) - phi(a)) / mass).clamp(0.0, 1.0)) < KS_CRIT);
}

#[test]
fn bernoulli_has_rate_p() {
    let b = random::bernoulli(key(40), 0.3, [N]);
    assert_eq!(b.dtype(), DType::Bool);
    let rate = b.to_vec::<f64>().iter().sum::<f64>() / N as f64;
    assert!(
        (rate - 0.3).abs() < 4.0 * (0.21f64 / N as f64).sqrt(),
        "{rate}"
    );
}

#[test]
fn randint_is_uniform_over_the_range() {
    let r = random::randint(key(50), [N], -5, 1000, DType::I32).to_vec::<f64>();
    assert!(r.iter().all(|&x| (-5.0..1000.0).contains(&x)));
    assert!(r.contains(&-5.0) && r.contains(&999.0));
    let span = 1005.0f64;
    check_moments(
        "randint",
        &r,
        -5.0 + (span - 1.0) / 2.0,
        (span * span - 1.0) / 12.0,
    );
    let u8s = random::randint(key(51), [N], 0, 256, DType::U8);
    assert_eq!(u8s.dtype(), DType::U8);
    check_moments(
        "randint u8",
        &u8s.to_vec::<f64>(),
        127.5,
        (256.0f64 * 256.0 - 1.0) / 12.0,
    );
    let u32s = random::randint(key(52), [N], 10, 20, DType::U32).to_vec::<f64>();
    check_moments("randint u32", &u32s, 14.5, 99.0 / 12.0);
    let same = random::randint(key(53), [4], 7, 7, DType::I32);
    assert_eq!(same.to_vec::<i32>(), vec![7; 4]);
}

#[test]
fn permutations_are_permutations_and_well_mixed() {
    let n = 5000; // two sorting rounds (n > 1625)
    let p = random::permutation(key(60), n).to_vec::<i32>();
    let mut seen = vec![false; n];
    for &v in &p {
        seen[v as usize] = true;
    }
    assert!(seen.iter().all(|&s| s));
    // For a uniform permutation E|p(i) - i| = (n^2 - 1) / (3n).
    let disp = p
        .iter()
        .enumerate()
        .map(|(i, &v)| (v as f64 - i as f64).abs())
        .sum::<f64>()
        / n as f64;
    let want = (n as f64 * n as f64 - 1.0) / (3.0 * n as f64);
    assert!((disp - want).abs() < 0.03 * want, "{disp} vs {want}");
    // Whole rows move together; independent lanes shuffle separately.
    let x = Array::from_vec((0..40).collect::<Vec<i32>>(), [8, 5]);
    let rows = random::permutation_array(key(61), &x, 0, false).to_vec::<i32>();
    assert!(rows
        .chunks(5)
        .all(|r| r.windows(2).all(|w| w[1] == w[0] + 1)));
    let lanes = random::permutation_array(key(62), &x, 1, true).to_vec::<i32>();
    for (i, r) in lanes.chunks(5).enumerate() {
        let mut s = r.to_vec();
        s.sort();
        assert_eq!(s, (5 * i as i32..5 * i as i32 + 5).collect::<Vec<_>>());
    }
}

#[test]
fn categorical_frequencies_follow_softmax() {
    let logits = Array::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], [4]);
    let c = random::categorical(key(70), &logits, -1, Some([N].into())).to_vec::<i32>();
    let z: f64 = (0..4).map(|i| (i as f64).exp()).sum();
    for k in 0..4 {
        let f = c.iter().filter(|&&v| v == k).count() as f64 / N as f64;
        let p = (k as f64).exp() / z;
        assert!(
            (f - p).abs() < 4.0 * (p * (1.0 - p) / N as f64).sqrt(),
            "class {k}: {f} vs {p}"
        );
    }
    // Batched logits along axis 0: one draw per column.
    let l2 = Array::from_vec(vec![0.0f32, 10.0, 10.0, 0.0], [2, 2]);
    let c2 = random::categorical(key(71), &l2, 0, None);
    assert_eq!(c2.to_vec::<i32>(), vec![1, 0]);
}

#[test]
fn choice_follows_p_and_respects_replacement() {
    let p = Array::from_vec(vec![0.1f32, 0.2, 0.3, 0.4], [4]);
    let c = random::choice_with_options(
        key(80),
        4,
        [N],
        random::ChoiceOptions {
            p: Some(&p),
            ..Default::default()
        },
    )
    .to_vec::<i32>();
    for k in 0..4 {
        let f = c.iter().filter(|&&v| v == k).count() as f64 / N as f64;
        let pk = 0.1 * (k + 1) as f64;
        assert!(
            (f - pk).abs() < 4.0 * (pk * (1.0 - pk) / N as f64).sqrt(),
            "{k}: {f}"
        );
    }
    let u = random::choice(key(81), 7, [N]).to_vec::<f64>();
    check_moments("choice uniform", &u, 3.0, 4.0);
    for (seed, pp) in [(82, None), (83, Some(&p))] {
        let mut d = random::choice_with_options(
            key(seed),
            4,
            [2, 2],
            random::ChoiceOptions {
                replace: false,
                p: pp,
                ..Default::default()
            },
        )
        .to_vec::<i32>();
        d.sort();
        assert_eq!(d, vec![0, 1, 2, 3]);
    }
    // Without replacement, the heaviest item is drawn first most often.
    let firsts: Vec<i32> = (0..400)
        .map(|s| {
            random::choice_with_options(
                key(1000 + s),
                4,
                [1],
                random::ChoiceOptions {
                    replace: false,
                    p: Some(&p),
                    ..Default::default()
                },
            )
            .item::<i32>()
        })
        .collect();
    let f3 = firsts.iter().filter(|&&v| v == 3).count() as f64 / 400.0;
    assert!((f3 - 0.4).abs() < 0.1, "{f3}");
}

#[test]
fn transcendental_samplers_have_their_laws() {
    let euler = 0.577_215_664_901_532_9;
    let pi2 = std::f64::consts::PI * std::f64::consts::PI;
    let g = random::gumbel(key(90), [N], DType::F32).to_vec::<f64>();
    check_moments("gumbel", &g, euler, pi2 / 6.0);
    assert!(ks(&g, |x| (-(-x).exp()).exp()) < KS_CRIT);
    let e = random::exponential(key(91), [N], DType::F32).to_vec::<f64>();
    assert!(e.iter().all(|&x| x >= 0.0));
    check_moments("exponential", &e, 1.0, 1.0);
    assert!(ks(&e, |x| 1.0 - (-x.max(0.0)).exp()) < KS_CRIT);
    let l = random::laplace(key(92), [N], DType::F32).to_vec::<f64>();
    check_moments("laplace", &l, 0.0, 2.0);
    let laplace_cdf = |x: f64| {
        if x < 0.0 {
            0.5 * x.exp()
        } else {
            1.0 - 0.5 * (-x).exp()
        }
    };
    assert!(ks(&l, laplace_cdf) < KS_CRIT);
    let s = random::logistic(key(93), [N], DType::F32).to_vec::<f64>();
    check_moments("logistic", &s, 0.0, pi2 / 3.0);
    assert!(ks(&s, |x| 1.0 / (1.0 + (-x).exp())) < KS_CRIT);
    let e64 = random::exponential(key(94), [N], DType::F64).to_vec::<f64>();
    check_moments("exponential f64", &e64, 1.0, 1.0);
}

#[test]
fn keys_split_fold_and_batch() {
    let k = key(5);
    let batch = random::split(k.clone(), [2, 3]);
    assert_eq!(batch.shape(), &[2, 3]);
    // Partitionable split: split(k, 2) is a prefix of split(k, 3).
    let two = random::split(k.clone(), [2]).into_data().to_vec::<u32>();
    let three = random::split(k.clone(), [3]).into_data().to_vec::<u32>();
    assert_eq!(two[..], three[..4]);
    // fold_in works elementwise on a batch of keys.
    let folded = random::fold_in(random::split(k.clone(), [3]), 9);
    for (i, sub) in random::split_vec(k, 3).into_iter().enumerate() {
        let want = random::fold_in(sub, 9).into_data().to_vec::<u32>();
        assert_eq!(folded.data().to_vec::<u32>()[2 * i..2 * i + 2], want[..]);
    }
    assert_eq!(
        random::key_x64((1 << 40) + 3).data().to_vec::<u32>(),
        vec![256, 3]
    );
}

#[test]
#[should_panic(expected = "random.normal: expected a single key")]
fn samplers_reject_batched_keys() {
    random::normal(random::split(key(0), [2]), [3], DType::F32);
}

#[test]
#[should_panic(expected = "Key::from_data: key data must be uint32 with a last axis of size 2")]
fn key_data_is_validated() {
    Key::from_data(Array::from_vec(vec![1i32, 2], [2]));
}

#[test]
#[should_panic(expected = "random.uniform: dtype must be a floating-point dtype, got int32")]
fn uniform_rejects_integer_dtypes() {
    random::uniform(key(0), [2], DType::I32, 0.0, 1.0);
}

#[test]
#[should_panic(
    expected = "random.choice: Cannot take a larger sample (size 5) than population (size 3) when 'replace=False'"
)]
fn choice_without_replacement_needs_enough_items() {
    random::choice_with_options(
        key(0),
        3,
        [5],
        random::ChoiceOptions {
            replace: false,
            ..Default::default()
        },
    );
}
