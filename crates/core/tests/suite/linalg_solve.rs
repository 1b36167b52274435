//! The factorisation-based solvers against JAX 0.10.2 (`parity/linalg_solve.py` →
//! `parity/goldens/linalg_solve.json`): `lax.linalg` cholesky / triangular_solve / lu,
//! `jnp.linalg` cholesky / solve / inv / det / slogdet / tensorsolve / tensorinv /
//! matrix_power, and `jax.scipy.linalg` solve_triangular / cho_factor / cho_solve /
//! lu_factor / lu_solve / lu / block_diag / expm.
//!
//! Values, JVPs along the script's direction and gradients of `sum_i sum(out_i * w_i)` must
//! match JAX within a tolerance relative to each array's largest entry (the kernels are
//! LAPACK's in JAX and faer's here: equally accurate, not bit-identical). Then, on the float64
//! cases: numerical derivative checks at orders 1 and 2 in both modes, vmap against a loop,
//! jit against eager; singular matrices; and the messages of misuse.

use crate::common;

use common::decode_golden;
use std::panic::{catch_unwind, AssertUnwindSafe};

use equinox_core::lax::linalg::TriangularSolveOptions;
use equinox_core::numpy::{self as jnp, linalg};
use equinox_core::scipy::linalg as sl;
use equinox_core::transforms::{check_grads, grad, jit, jvp, vmap};
use equinox_core::{lax, Array, Complex64, DType};
use equinox_testing::close::{mismatches, Scale, Tolerance};
use equinox_testing::golden::encoded;
use equinox_testing::Golden;
use serde_json::Value;

fn host(a: &Array) -> Vec<f64> {
    a.astype(DType::F64).to_vec::<f64>()
}

/// The script's `tangent`: [`real_direction`], plus `i ((k * 3) % 7 - 3) / 3` for a complex
/// argument.
fn direction(like: &Array) -> Array {
    if !like.dtype().is_complex() {
        return real_direction(like);
    }
    let real = like.dtype().real_dtype();
    let re = real_direction(&jnp::zeros_dtype(like.shape().to_vec(), real));
    let im: Vec<f64> = (0..like.size())
        .map(|k| (((k * 3) % 7) as f64 - 3.0) / 3.0)
        .collect();
    lax::complex(&re, &Array::from_vec(im, like.shape()).astype(real))
}

/// `((k * 5) % 11 - 5) / 5` in `like`'s shape and dtype (the script's `direction`).
fn real_direction(like: &Array) -> Array {
    let v: Vec<f64> = (0..like.size())
        .map(|k| ((k * 5) % 11) as f64 / 5.0 - 1.0)
        .collect();
    Array::from_vec(v, like.shape()).astype(like.dtype())
}

/// `((k * 7) % 13 - 6.5) / 4` in `like`'s shape and dtype (the script's `weights`).
fn weights(like: &Array) -> Array {
    let v: Vec<f64> = (0..like.size())
        .map(|k| (((k * 7) % 13) as f64 - 6.5) / 4.0)
        .collect();
    Array::from_vec(v, like.shape()).astype(like.dtype())
}

fn flag(params: &Value, key: &str, default: bool) -> bool {
    params.get(key).map_or(default, |v| v.as_bool().unwrap())
}

fn int(params: &Value, key: &str, default: i64) -> i64 {
    params.get(key).map_or(default, |v| v.as_i64().unwrap())
}

/// The script's `FNS`: the float outputs and the integer outputs of `name(*args, **params)`.
fn outputs(name: &str, p: &Value, args: &[Array]) -> (Vec<Array>, Vec<Array>) {
    let one = |x: Array| (vec![x], vec![]);
    let x = &args[0];
    match name {
        "lax_cholesky" => one(lax::linalg::cholesky(x, flag(p, "symmetrize_input", true))),
        "triangular_solve" => {
            let options = TriangularSolveOptions {
                left_side: flag(p, "left_side", false),
                lower: flag(p, "lower", false),
                transpose_a: flag(p, "transpose_a", false),
                conjugate_a: flag(p, "conjugate_a", false),
                unit_diagonal: flag(p, "unit_diagonal", false),
            };
            one(lax::linalg::triangular_solve_with(x, &args[1], options))
        }
        "lax_lu" => {
            let (lu, pivots, perm) = lax::linalg::lu(x);
            (vec![lu], vec![pivots, perm])
        }
        "cholesky" => one(linalg::cholesky_with(
            x,
            linalg::CholeskyOptions {
                upper: flag(p, "upper", false),
                symmetrize_input: flag(p, "symmetrize_input", true),
            },
        )),
        "solve" => one(linalg::solve(x, &args[1])),
        "inv" => one(linalg::inv(x)),
        "det" => one(linalg::det(x)),
        "slogdet" => {
            let (sign, logdet) = linalg::slogdet(x);
            (vec![sign, logdet], vec![])
        }
        "tensorsolve" => {
            let axes = p.get("axes").map(|a| {
                a.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_i64().unwrap() as isize)
                    .collect()
            });
            one(linalg::tensorsolve_with(
                x,
                &args[1],
                linalg::TensorsolveOptions { axes },
            ))
        }
        "tensorinv" => one(linalg::tensorinv_with(x, int(p, "ind", 2) as usize)),
        "matrix_power" => one(linalg::matrix_power(x, int(p, "n", 1))),
        "solve_triangular" => one(sl::solve_triangular_with(
            x,
            &args[1],
            sl::SolveTriangularOptions {
                trans: int(p, "trans", 0) as u8,
                lower: flag(p, "lower", false),
                unit_diagonal: flag(p, "unit_diagonal", false),
            },
        )),
        "cho_factor" => {
            let lower = flag(p, "lower", false);
            let (c, l) = sl::cho_factor_with(x, sl::ChoFactorOptions { lower });
            assert_eq!(l, lower, "cho_factor passes `lower` through");
            one(c)
        }
        "cho_solve" => one(sl::cho_solve(
            &(x.clone(), flag(p, "lower", false)),
            &args[1],
        )),
        "lu_factor" => {
            let (lu, pivots) = sl::lu_factor(x);
            (vec![lu], vec![pivots])
        }
        "lu_solve" => one(sl::lu_solve_with(
            &(x.clone(), args[1].clone()),
            &args[2],
            sl::LuSolveOptions {
                trans: int(p, "trans", 0) as u8,
            },
        )),
        "scipy_lu" => {
            if flag(p, "permute_l", false) {
                let (pl, u) = sl::lu_permute_l(x);
                (vec![pl, u], vec![])
            } else {
                let (pm, l, u) = sl::lu(x);
                (vec![pm, l, u], vec![])
            }
        }
        "block_diag" => one(sl::block_diag(&args.iter().collect::<Vec<_>>())),
        "expm" => one(sl::expm_with(
            x,
            sl::ExpmOptions {
                upper_triangular: flag(p, "upper_triangular", false),
                ..Default::default()
            },
        )),
        other => panic!("no function {other}"),
    }
}

/// One golden case: the function, its arguments, and which of them are differentiated.
struct Case {
    what: String,
    name: String,
    params: Value,
    dtype: String,
    args: Vec<Array>,
    diff: Vec<usize>,
}

impl Case {
    fn new(i: usize, c: &Value) -> Case {
        let name = c["fn"].as_str().unwrap().to_string();
        let dtype = c["dtype"].as_str().unwrap().to_string();
        let args: Vec<Array> = c["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(decode_golden)
            .collect();
        let diff = c["diff"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let shapes: Vec<_> = args.iter().map(|a| a.shape().to_vec()).collect();
        Case {
            what: format!("case {i} {name} {} {dtype} {shapes:?}", c["params"]),
            name,
            params: c["params"].clone(),
            dtype,
            args,
            diff,
        }
    }

    /// The float outputs as a function of the differentiated arguments (`xs`, in `diff`
    /// order), the others held at the case's values.
    fn f(&self, xs: &[Array]) -> Vec<Array> {
        let mut args = self.args.clone();
        for (&i, x) in self.diff.iter().zip(xs) {
            args[i] = x.clone();
        }
        outputs(&self.name, &self.params, &args).0
    }

    fn primals(&self) -> Vec<Array> {
        self.diff.iter().map(|&i| self.args[i].clone()).collect()
    }

    /// `sum_i sum(real(out_i * w_i))` with the script's weights (times `1 - 0.5i` for a
    /// complex output).
    fn loss(&self, xs: &[Array]) -> Array {
        self.f(xs)
            .iter()
            .map(|o| {
                let w = if o.dtype().is_complex() {
                    let scale = Array::scalar(Complex64::new(1.0, -0.5)).astype(o.dtype());
                    &weights(&jnp::real(o)).astype(o.dtype()) * &scale
                } else {
                    weights(o)
                };
                jnp::real(&(o * &w)).sum(None)
            })
            .reduce(|a, b| a + b)
            .expect("at least one output")
    }
}

fn tolerance(dtype: &str) -> Tolerance {
    if dtype == "float32" || dtype == "complex64" {
        Tolerance::new(2e-4, 0.0)
    } else {
        Tolerance::new(1e-9, 0.0)
    }
}

fn check(what: &str, got: &Array, want: &Value, dtype: &str, failures: &mut Vec<String>) {
    if want.get("re").is_some() || got.dtype().is_complex() {
        let want = decode_golden(want);
        if !got.dtype().is_complex() || !want.dtype().is_complex() {
            failures.push(format!("{what}: {} vs JAX {}", got.aval(), want.aval()));
            return;
        }
        for (part, f) in [("re", jnp::real as fn(&Array) -> Array), ("im", jnp::imag)] {
            let bad = mismatches(
                what,
                &host(&f(got)),
                &host(&f(&want)),
                tolerance(dtype),
                Scale::Case,
            );
            if let Some(m) = bad.first() {
                failures.push(format!(
                    "{what} {part}: element {} got {} JAX {} ({} mismatches)",
                    m.index,
                    m.got,
                    m.want,
                    bad.len()
                ));
            }
        }
        return;
    }
    let e = encoded(want);
    if got.shape() != e.shape.as_slice() {
        failures.push(format!(
            "{what}: shape {:?}, JAX {:?}",
            got.shape(),
            e.shape
        ));
        return;
    }
    let bad = mismatches(what, &host(got), &e.data, tolerance(dtype), Scale::Case);
    if let Some(m) = bad.first() {
        failures.push(format!(
            "{what}: element {} got {} JAX {} ({} mismatches)",
            m.index,
            m.got,
            m.want,
            bad.len()
        ));
    }
}

fn check_all(what: &str, got: &[Array], want: &Value, dtype: &str, failures: &mut Vec<String>) {
    let want = want.as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{what}: number of outputs");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        check(&format!("{what}[{k}]"), g, w, dtype, failures);
    }
}

fn cases(golden: &Golden) -> Vec<(Case, Value)> {
    section_cases(golden, "cases")
}

fn section_cases(golden: &Golden, section: &str) -> Vec<(Case, Value)> {
    golden
        .section(section)
        .iter()
        .enumerate()
        .map(|(i, c)| (Case::new(i, c), c.clone()))
        .collect()
}

#[test]
fn solvers_match_jax() {
    check_section("cases");
}

#[test]
fn complex_solvers_match_jax() {
    check_section("complex");
}

/// Values, JVPs and gradients of every case of `section` against JAX's.
fn check_section(section: &str) {
    let golden = Golden::load("linalg_solve");
    let mut failures = Vec::new();
    for (case, c) in section_cases(&golden, section) {
        let what = &case.what;
        let (outs, ints) = outputs(&case.name, &case.params, &case.args);
        check_all(
            &format!("{what} out"),
            &outs,
            &c["out"],
            &case.dtype,
            &mut failures,
        );
        let want_ints = c
            .get("ints")
            .map_or(vec![], |v| v.as_array().unwrap().clone());
        assert_eq!(ints.len(), want_ints.len(), "{what}: integer outputs");
        for (k, (g, w)) in ints.iter().zip(&want_ints).enumerate() {
            let e = encoded(w);
            let want: Vec<i32> = e.data.iter().map(|&x| x as i32).collect();
            if g.shape() != e.shape.as_slice() || g.to_vec::<i32>() != want {
                failures.push(format!("{what} ints[{k}]: {g} JAX {want:?}"));
            }
        }
        let primals = case.primals();
        let tangents: Vec<Array> = primals.iter().map(direction).collect();
        let (_, touts) = jvp(|xs: &Vec<Array>| case.f(xs), &primals, &tangents);
        check_all(
            &format!("{what} jvp"),
            &touts,
            &c["jvp"],
            &case.dtype,
            &mut failures,
        );
        let grads = grad(|xs: &Vec<Array>| case.loss(xs))(&primals);
        check_all(
            &format!("{what} grad"),
            &grads,
            &c["grad"],
            &case.dtype,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    golden.assert_sections_read(&[section]);
}

/// On the complex128 cases: each complex argument's derivative against finite differences,
/// through its real and imaginary parts stacked as one real array (the numerical check moves
/// real leaves), at order 1 in both modes. `cho_factor` differentiates as if the perturbation
/// were Hermitian, which a free perturbation is not: it is left to the parity test.
#[test]
fn complex_derivatives_pass_numerical_checks() {
    let golden = Golden::load("linalg_solve");
    for (case, _) in section_cases(&golden, "complex")
        .into_iter()
        .filter(|(c, _)| c.dtype == "complex128" && c.name != "cho_factor")
    {
        let primals = case.primals();
        for k in 0..primals.len() {
            let z = &primals[k];
            let parts = jnp::stack(&[&jnp::real(z), &jnp::imag(z)], 0);
            let of_parts = |p: &Array| {
                let take = |i: i32| jnp::take(p, &Array::scalar(i), Some(0));
                let mut xs = primals.clone();
                xs[k] = lax::complex(&take(0), &take(1));
                case.f(&xs)
                    .iter()
                    .flat_map(|o| [jnp::real(o), jnp::imag(o)])
                    .collect::<Vec<Array>>()
            };
            check_grads(of_parts, &parts, 1e-6, 1e-5, 1e-7);
        }
    }
}

/// Functions whose JAX derivative assumes a symmetric perturbation (Cholesky without
/// symmetrisation reads one triangle but differentiates as if the input were symmetric): the
/// finite-difference checks perturb them through `(x + xᵀ) / 2`.
fn symmetric_only(case: &Case) -> bool {
    case.name == "cho_factor"
        || (matches!(case.name.as_str(), "lax_cholesky" | "cholesky")
            && !flag(&case.params, "symmetrize_input", true))
}

#[test]
fn derivatives_pass_numerical_checks() {
    let golden = Golden::load("linalg_solve");
    for (case, _) in cases(&golden)
        .into_iter()
        .filter(|(c, _)| c.dtype == "float64")
    {
        let sym = symmetric_only(&case);
        let f = |xs: &Vec<Array>| {
            let xs: Vec<Array> = if sym {
                xs.iter()
                    .map(|x| &(x + &jnp::matrix_transpose(x)) / 2.0)
                    .collect()
            } else {
                xs.clone()
            };
            case.f(&xs)
        };
        let loss = |xs: &Vec<Array>| {
            f(xs)
                .iter()
                .map(|o| (o * &weights(o)).sum(None))
                .reduce(|a, b| a + b)
                .expect("at least one output")
        };
        let x = case.primals();
        let r = catch_unwind(AssertUnwindSafe(|| {
            check_grads(f, &x, 1e-5, 1e-5, 1e-7);
            let v: Vec<Array> = x.iter().map(direction).collect();
            check_grads(|xs: &Vec<Array>| jvp(f, xs, &v).1, &x, 1e-5, 1e-4, 1e-6);
            check_grads(|xs: &Vec<Array>| grad(loss)(xs), &x, 1e-5, 1e-4, 1e-6);
        }));
        if let Err(e) = r {
            panic!("{}: {}", case.what, panic_message(e.as_ref()));
        }
    }
}

/// `args` stacked twice along a new leading axis, the second copy moved slightly along the
/// script's direction (integer arguments repeated as they are).
fn stack_two(args: &[Array]) -> Vec<Array> {
    args.iter()
        .map(|a| {
            let b = if a.dtype().is_float() {
                a + &(&direction(a) * 0.01)
            } else {
                a.clone()
            };
            jnp::stack(&[a, &b], 0)
        })
        .collect()
}

fn run_case(case: &Case, args: &[Array]) -> Vec<Array> {
    let (mut outs, ints) = outputs(&case.name, &case.params, args);
    outs.extend(ints);
    outs
}

fn assert_jit_equals_eager(case: &Case) {
    let what = &case.what;
    let eager = run_case(case, &case.args);
    let jitted = jit(|args: &Vec<Array>| run_case(case, args))(&case.args);
    for (k, (e, j)) in eager.iter().zip(&jitted).enumerate() {
        assert_eq!(e.shape(), j.shape(), "{what}: jit output {k} shape");
        let bad = mismatches(
            what,
            &host(j),
            &host(e),
            Tolerance::new(1e-12, 0.0),
            Scale::Case,
        );
        assert!(bad.is_empty(), "{what}: jit output {k}: {:?}", &bad[..1]);
    }
}

#[test]
fn jit_of_batched_expm_equals_eager_in_both_precisions() {
    // expm of a stack vmaps its Padé `switch` into a select with a scalar-shaped operand,
    // which the compiled select kernel once got backwards (float32 values 1% off).
    let golden = Golden::load("linalg_solve");
    let batched: Vec<Case> = cases(&golden)
        .into_iter()
        .map(|(c, _)| c)
        .filter(|c| c.name == "expm" && c.args[0].ndim() > 2)
        .collect();
    assert!(
        batched.iter().any(|c| c.dtype == "float32")
            && batched.iter().any(|c| c.dtype == "float64"),
        "the golden has batched expm cases in both precisions"
    );
    batched.iter().for_each(assert_jit_equals_eager);
}

#[test]
fn vmap_equals_a_loop_and_jit_equals_eager() {
    let golden = Golden::load("linalg_solve");
    for (case, _) in cases(&golden)
        .into_iter()
        .filter(|(c, _)| c.dtype == "float64")
    {
        let what = &case.what;
        let run = |args: &Vec<Array>| run_case(&case, args);
        assert_jit_equals_eager(&case);
        let stacked = stack_two(&case.args);
        let batched = vmap(run)(&stacked);
        for lane in 0..2 {
            let args: Vec<Array> = stacked
                .iter()
                .map(|a| jnp::squeeze(&lax::slice_in_dim(a, lane, lane + 1, 1, 0), 0))
                .collect();
            let looped = run(&args);
            for (k, (b, l)) in batched.iter().zip(&looped).enumerate() {
                let b = jnp::squeeze(&lax::slice_in_dim(b, lane, lane + 1, 1, 0), 0);
                assert_eq!(b.shape(), l.shape(), "{what}: vmap output {k} shape");
                let bad = mismatches(
                    what,
                    &host(&b),
                    &host(l),
                    Tolerance::new(1e-12, 0.0),
                    Scale::Case,
                );
                assert!(
                    bad.is_empty(),
                    "{what}: vmap lane {lane} output {k}: {:?}",
                    &bad[..1]
                );
            }
        }
    }
}

#[test]
fn singular_matrices_behave_as_in_jax() {
    let golden = Golden::load("linalg_solve");
    let mut failures = Vec::new();
    for (i, c) in golden.section("singular").iter().enumerate() {
        let name = c["fn"].as_str().unwrap();
        let dtype = c["dtype"].as_str().unwrap();
        let x = decode_golden(&c["x"]);
        let what = format!("singular {i} {name} {dtype} {:?}", x.shape());
        let outs = match name {
            "det" => vec![linalg::det(&x)],
            "slogdet" => {
                let (s, l) = linalg::slogdet(&x);
                vec![s, l]
            }
            "solve" => vec![linalg::solve(&x, &decode_golden(&c["b"]))],
            "inv" => vec![linalg::inv(&x)],
            other => panic!("no singular function {other}"),
        };
        check_all(&what, &outs, &c["out"], dtype, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    golden.assert_sections_read(&["singular"]);
}

fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic>".to_string())
}

fn f32s(shape: &[usize]) -> Array {
    jnp::ones(shape.to_vec())
}

/// The script's `ERRORS`, made here.
fn misuse(call: &str) {
    let i32s = |n: usize| jnp::zeros_dtype([n], DType::I32);
    let sq = || f32s(&[3, 3]);
    let left = TriangularSolveOptions {
        left_side: true,
        ..Default::default()
    };
    match call {
        "cholesky_nonsquare" => drop(lax::linalg::cholesky(&f32s(&[2, 3]), false)),
        "cholesky_rank1" => drop(lax::linalg::cholesky(&f32s(&[3]), false)),
        "triangular_solve_nonsquare" => drop(lax::linalg::triangular_solve_with(
            &f32s(&[2, 3]),
            &f32s(&[3, 2]),
            left,
        )),
        "triangular_solve_shapes" => drop(lax::linalg::triangular_solve_with(
            &sq(),
            &f32s(&[2, 2]),
            left,
        )),
        "triangular_solve_batch" => drop(lax::linalg::triangular_solve_with(
            &f32s(&[2, 3, 3]),
            &f32s(&[4, 3, 2]),
            left,
        )),
        "triangular_solve_ranks" => drop(lax::linalg::triangular_solve_with(
            &f32s(&[2, 3, 3]),
            &f32s(&[2, 4, 3, 2]),
            left,
        )),
        "triangular_solve_int" => drop(lax::linalg::triangular_solve(
            &sq(),
            &jnp::ones_dtype([3, 3], DType::I32),
        )),
        "lu_rank1" => drop(lax::linalg::lu(&f32s(&[3]))),
        "solve_rank1" => drop(linalg::solve(&f32s(&[3]), &f32s(&[3]))),
        "solve_nonsquare" => drop(linalg::solve(&f32s(&[2, 3]), &f32s(&[2]))),
        "solve_mismatch" => drop(linalg::solve(&sq(), &f32s(&[4]))),
        "solve_batch" => drop(linalg::solve(&f32s(&[2, 3, 3]), &f32s(&[4, 3, 1]))),
        "solve_old_batched_vector" => drop(linalg::solve(&f32s(&[2, 3, 3]), &f32s(&[2, 3]))),
        "inv_nonsquare" => drop(linalg::inv(&f32s(&[2, 3]))),
        "inv_rank1" => drop(linalg::inv(&f32s(&[3]))),
        "det_nonsquare" => drop(linalg::det(&f32s(&[2, 3]))),
        "slogdet_nonsquare" => drop(linalg::slogdet(&f32s(&[2, 3]))),
        "matrix_power_rank1" => drop(linalg::matrix_power(&f32s(&[3]), 2)),
        "matrix_power_nonsquare" => drop(linalg::matrix_power(&f32s(&[2, 3]), 2)),
        "tensorinv_sizes" => drop(linalg::tensorinv(&f32s(&[2, 3, 4]))),
        "tensorsolve_shapes" => drop(linalg::tensorsolve(&f32s(&[2, 3, 6]), &f32s(&[3, 2]))),
        "solve_triangular_mismatch" => drop(sl::solve_triangular(&sq(), &f32s(&[4]))),
        "solve_triangular_batch" => {
            drop(sl::solve_triangular(&f32s(&[2, 3, 3]), &f32s(&[4, 3, 1])))
        }
        "solve_triangular_trans" => drop(sl::solve_triangular_with(
            &sq(),
            &f32s(&[3]),
            sl::SolveTriangularOptions {
                trans: 3,
                ..Default::default()
            },
        )),
        "cho_solve_mismatch" => drop(sl::cho_solve(&(sq(), false), &f32s(&[4, 2]))),
        "lu_solve_mismatch" => drop(sl::lu_solve(&(sq(), i32s(3)), &f32s(&[4]))),
        "lu_solve_trans" => drop(sl::lu_solve_with(
            &(sq(), i32s(3)),
            &f32s(&[3]),
            sl::LuSolveOptions { trans: 3 },
        )),
        "block_diag_rank3" => drop(sl::block_diag(&[&f32s(&[2, 2]), &f32s(&[1, 2, 2])])),
        "expm_nonsquare" => drop(sl::expm(&f32s(&[2, 3]))),
        "expm_rank1" => drop(sl::expm(&f32s(&[3]))),
        other => panic!("no misuse {other}"),
    }
}

#[test]
fn misuse_panics_with_jax_messages() {
    let golden = Golden::load("linalg_solve");
    let mut failures = Vec::new();
    for c in golden.section("errors").iter() {
        let call = c["call"].as_str().unwrap();
        let key = c["key"].as_str().unwrap();
        let jax = c["message"].as_str().unwrap();
        match catch_unwind(|| misuse(call)) {
            Ok(()) => failures.push(format!("{call}: no panic (JAX: {jax})")),
            Err(e) => {
                let msg = panic_message(e.as_ref());
                if !msg.contains(key) {
                    failures.push(format!("{call}: {msg:?} lacks {key:?} (JAX: {jax})"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    golden.assert_sections_read(&["errors"]);
}
