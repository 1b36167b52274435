//! Parity of every loss with Optax 0.2.8: `parity/goldens/optim_losses.json`, written by
//! `parity/optim_losses.py`. Each case gives the inputs and options Optax was called with,
//! its values and (for losses differentiable in their main input) the gradient of the summed
//! loss; both are compared here under the float32 rule, with the gradient taken by our `grad`.

use equinox_core::transforms::grad;
use equinox_core::{Array, Axes};
use equinox_optim::losses::{self, *};
use equinox_testing::close::Scale;
use equinox_testing::panics::panic_message;
use equinox_testing::{Golden, Tolerance};
use serde_json::Value;

use crate::common;
use common::decode;

/// Compares `got` with an encoded expected array: shape, dtype, then values. Gradients are
/// compared relative to their largest element (they come out of cancellations such as
/// `softmax - labels`, whose small elements carry the rounding of the large ones); values
/// elementwise.
fn check(what: &str, got: &Array, want: &Value, scale: Scale) {
    // Transcendental functions (exp, log, log1p) are not correctly rounded in XLA; a few ulp
    // separate compositions of them.
    let tol = Tolerance::rel(4e-6).with_atol(1e-7);
    common::check_array_with(what, got, want, scale, |_| tol);
}

/// The options of one case, read from Optax's keyword arguments.
struct Options<'a>(&'a Value);

impl Options<'_> {
    fn f64_or(&self, key: &str, default: f64) -> f64 {
        self.0
            .get(key)
            .map_or(default, |v| v.as_f64().expect("a number"))
    }
    fn axis(&self) -> Axes {
        match self.0.get("axis") {
            None => Axes::from(-1),
            Some(Value::Null) => Axes::All,
            Some(Value::Number(n)) => Axes::from(n.as_i64().expect("an integer axis") as i32),
            Some(Value::Array(list)) => Axes::from(
                list.iter()
                    .map(|a| a.as_i64().expect("an integer axis") as i32)
                    .collect::<Vec<_>>(),
            ),
            Some(other) => panic!("unexpected axis {other}"),
        }
    }
    fn bool_or(&self, key: &str, default: bool) -> bool {
        self.0
            .get(key)
            .map_or(default, |v| v.as_bool().expect("a bool"))
    }
    fn where_(&self) -> Option<Array> {
        self.0.get("where").map(decode)
    }
    fn reduce(&self) -> ReduceOptions {
        ReduceOptions {
            axis: self.axis(),
            where_: self.where_(),
        }
    }
}

/// Runs the loss `name` on `inputs` (in the script's order) with `options`; several outputs
/// for `ctc_loss_with_forward_probs`.
fn call(name: &str, x: &[Array], o: &Options) -> Vec<Array> {
    let one = |a: Array| vec![a];
    match name {
        "squared_error" => one(squared_error(&x[0], x.get(1))),
        "l2_loss" => one(l2_loss(&x[0], x.get(1))),
        "huber_loss" => one(huber_loss_with_options(
            &x[0],
            x.get(1),
            HuberLossOptions {
                delta: o.f64_or("delta", 1.0),
            },
        )),
        "log_cosh" => one(log_cosh(&x[0], x.get(1))),
        "cosine_similarity" | "cosine_distance" => {
            let options = CosineSimilarityOptions {
                epsilon: o.f64_or("epsilon", 0.0),
                axis: o.axis(),
                where_: o.where_(),
            };
            one(if name == "cosine_similarity" {
                cosine_similarity_with_options(&x[0], &x[1], options)
            } else {
                cosine_distance_with_options(&x[0], &x[1], options)
            })
        }
        "sigmoid_binary_cross_entropy" => one(sigmoid_binary_cross_entropy(&x[0], &x[1])),
        "sigmoid_focal_loss" => one(sigmoid_focal_loss_with_options(
            &x[0],
            &x[1],
            SigmoidFocalLossOptions {
                alpha: o.0.get("alpha").map(|a| a.as_f64().expect("a number")),
                gamma: o.f64_or("gamma", 2.0),
            },
        )),
        "hinge_loss" => one(hinge_loss(&x[0], &x[1])),
        "sparsemax_loss" => one(sparsemax_loss(&x[0], &x[1])),
        "fenchel_young_logsumexp" => {
            let loss =
                make_fenchel_young_loss(|s: &Array| equinox_core::nn::logsumexp(s, (), false));
            one(loss(&x[0], &x[1]))
        }
        "multiclass_sparsemax_loss" => one(multiclass_sparsemax_loss(&x[0], &x[1])),
        "ranking_softmax_loss" => one(ranking_softmax_loss_with_options(
            &x[0],
            &x[1],
            RankingSoftmaxLossOptions {
                where_: o.where_(),
                weights: o.0.get("weights").map(decode),
                reduce_fn: match o.0.get("reduce_fn").and_then(Value::as_str) {
                    None | Some("mean") => RankingReduction::Mean,
                    Some("sum") => RankingReduction::Sum,
                    Some("none") => RankingReduction::None,
                    Some(other) => panic!("unexpected reduce_fn {other}"),
                },
            },
        )),
        "dice_loss" => one(dice_loss_with_options(
            &x[0],
            &x[1],
            DiceLossOptions {
                class_weights: o.0.get("class_weights").map(decode),
                smooth: o.f64_or("smooth", 1.0),
                alpha: o.f64_or("alpha", 0.5),
                beta: o.f64_or("beta", 0.5),
                apply_softmax: o.bool_or("apply_softmax", true),
                reduction: match o.0.get("reduction").and_then(Value::as_str) {
                    None | Some("mean") => DiceReduction::Mean,
                    Some("sum") => DiceReduction::Sum,
                    Some("none") => DiceReduction::None,
                    Some(other) => panic!("unexpected reduction {other}"),
                },
                ignore_background: o.bool_or("ignore_background", false),
                axis: o.0.get("axis").map(|_| o.axis()),
            },
        )),
        "binary_dice_loss" => one(binary_dice_loss_with_options(
            &x[0],
            &x[1],
            BinaryDiceLossOptions {
                smooth: o.f64_or("smooth", 1.0),
                apply_sigmoid: o.bool_or("apply_sigmoid", true),
            },
        )),
        "multiclass_generalized_dice_loss" => one(multiclass_generalized_dice_loss_with_options(
            &x[0],
            &x[1],
            GeneralizedDiceLossOptions {
                smooth: o.f64_or("smooth", 1.0),
                apply_softmax: o.bool_or("apply_softmax", true),
                ignore_background: o.bool_or("ignore_background", false),
            },
        )),
        "perceptron_loss" => one(perceptron_loss(&x[0], &x[1])),
        "multiclass_hinge_loss" => one(multiclass_hinge_loss(&x[0], &x[1])),
        "multiclass_perceptron_loss" => one(multiclass_perceptron_loss(&x[0], &x[1])),
        "softmax_cross_entropy" => {
            one(softmax_cross_entropy_with_options(&x[0], &x[1], o.reduce()))
        }
        "safe_softmax_cross_entropy" => one(safe_softmax_cross_entropy(&x[0], &x[1])),
        "softmax_cross_entropy_with_integer_labels" => one(
            softmax_cross_entropy_with_integer_labels_with_options(&x[0], &x[1], o.reduce()),
        ),
        "poly_loss_cross_entropy" => one(poly_loss_cross_entropy_with_options(
            &x[0],
            &x[1],
            PolyLossOptions {
                epsilon: o.f64_or("epsilon", 2.0),
                axis: o.axis(),
                where_: o.where_(),
            },
        )),
        "kl_divergence" => one(kl_divergence_with_options(&x[0], &x[1], o.reduce())),
        "kl_divergence_with_log_targets" => one(kl_divergence_with_log_targets_with_options(
            &x[0],
            &x[1],
            o.reduce(),
        )),
        "convex_kl_divergence" => one(convex_kl_divergence_with_options(&x[0], &x[1], o.reduce())),
        "generalized_kl_divergence" => one(generalized_kl_divergence_with_options(
            &x[0],
            &x[1],
            o.reduce(),
        )),
        "smooth_labels" => one(smooth_labels_with_options(
            &x[0],
            o.f64_or("alpha", f64::NAN),
            o.reduce(),
        )),
        "triplet_margin_loss" => one(triplet_margin_loss_with_options(
            &x[0],
            &x[1],
            &x[2],
            TripletMarginLossOptions {
                axis: o
                    .0
                    .get("axis")
                    .map_or(-1, |a| a.as_i64().expect("an axis") as isize),
                norm_degree: o.f64_or("norm_degree", 2.0),
                margin: o.f64_or("margin", 1.0),
                eps: o.f64_or("eps", 1e-6),
            },
        )),
        "ntxent" => one(ntxent_with_options(
            &x[0],
            &x[1],
            NtxentOptions {
                temperature: o.f64_or("temperature", 0.07),
            },
        )),
        "ctc_loss" | "ctc_loss_with_forward_probs" => {
            let options = CtcLossOptions {
                blank_id: o
                    .0
                    .get("blank_id")
                    .map_or(0, |b| b.as_u64().expect("an id") as usize),
                log_epsilon: o.f64_or("log_epsilon", -1e5),
            };
            if name == "ctc_loss" {
                one(ctc_loss_with_options(&x[0], &x[1], &x[2], &x[3], options))
            } else {
                let (loss, phi, emit) =
                    ctc_loss_with_forward_probs_with_options(&x[0], &x[1], &x[2], &x[3], options);
                vec![loss, phi, emit]
            }
        }
        other => panic!("no Rust loss for golden function {other}"),
    }
}

#[test]
fn losses_and_gradients_follow_optax() {
    let g = Golden::load("optim_losses");
    common::check_each_case(g.section("losses").entries(), check_case);
    g.assert_sections_read(&["losses"]);
}

fn check_case(case_name: &str, case: &Value) {
    {
        let fn_name = case["fn"].as_str().expect("a function name");
        let input_names: Vec<&String> = case["inputs"]
            .as_object()
            .expect("named inputs")
            .keys()
            .collect();
        // serde_json keeps keys sorted; the script's order is the loss's argument order.
        let order = argument_order(fn_name);
        let inputs: Vec<Array> = order
            .iter()
            .filter(|n| input_names.iter().any(|k| k == *n))
            .map(|n| decode(&case["inputs"][*n]))
            .collect();
        assert_eq!(inputs.len(), input_names.len(), "{case_name}: inputs");
        let options = Options(&case["options"]);
        let got = call(fn_name, &inputs, &options);
        match &case["out"] {
            Value::Array(outs) => {
                assert_eq!(got.len(), outs.len(), "{case_name}: outputs");
                for (i, (g, w)) in got.iter().zip(outs).enumerate() {
                    check(&format!("{case_name} output {i}"), g, w, Scale::Element);
                }
            }
            want => check(case_name, &got[0], want, Scale::Element),
        }
        if let Some(want) = case.get("grad") {
            let main = case["grad_of"].as_str().expect("the main input");
            let i = order
                .iter()
                .position(|n| *n == main)
                .expect("a known input");
            let rest = inputs.clone();
            let summed = |x: &Array| {
                let mut xs = rest.clone();
                xs[i] = x.clone();
                call(fn_name, &xs, &options)[0].sum(())
            };
            let got = grad(summed)(&inputs[i]);
            check(&format!("{case_name} gradient"), &got, want, Scale::Case);
        }
    }
}

/// The argument names of each loss in Optax's order.
fn argument_order(fn_name: &str) -> &'static [&'static str] {
    match fn_name {
        "squared_error" | "l2_loss" | "huber_loss" | "log_cosh" | "cosine_similarity"
        | "cosine_distance" => &["predictions", "targets"],
        "sigmoid_binary_cross_entropy"
        | "sigmoid_focal_loss"
        | "softmax_cross_entropy"
        | "safe_softmax_cross_entropy"
        | "softmax_cross_entropy_with_integer_labels"
        | "poly_loss_cross_entropy" => &["logits", "labels"],
        "hinge_loss" | "perceptron_loss" => &["predictor_outputs", "targets"],
        "sparsemax_loss" | "ranking_softmax_loss" => &["logits", "labels"],
        "fenchel_young_logsumexp" => &["scores", "targets"],
        "dice_loss" | "binary_dice_loss" | "multiclass_generalized_dice_loss" => {
            &["predictions", "targets"]
        }
        "multiclass_hinge_loss" | "multiclass_perceptron_loss" | "multiclass_sparsemax_loss" => {
            &["scores", "labels"]
        }
        "kl_divergence" | "convex_kl_divergence" | "generalized_kl_divergence" => {
            &["log_predictions", "targets"]
        }
        "kl_divergence_with_log_targets" => &["log_predictions", "log_targets"],
        "smooth_labels" => &["labels"],
        "triplet_margin_loss" => &["anchors", "positives", "negatives"],
        "ntxent" => &["embeddings", "labels"],
        "ctc_loss" | "ctc_loss_with_forward_probs" => {
            &["logits", "logit_paddings", "labels", "label_paddings"]
        }
        other => panic!("no argument list for {other}"),
    }
}

/// Runs `f`, which must panic, and returns its message.
#[test]
fn bad_inputs_panic_with_optax_messages() {
    let f = |n: usize| Array::from_vec(vec![1.0f32; n], [n]);
    let f2 = |a: usize, b: usize| Array::from_vec(vec![1.0f32; a * b], [a, b]);
    let i = |n: usize| Array::from_vec(vec![1i32; n], [n]);
    assert_eq!(
        panic_message(|| drop(squared_error(&i(3), None))),
        "Expected the input to have a dtype that is a subdtype of <class 'numpy.floating'>, \
         got int32 instead"
    );
    assert_eq!(
        panic_message(|| drop(squared_error(&f(3), Some(&f2(2, 3))))),
        "Shape mismatch: got (3,) and (2, 3)."
    );
    assert_eq!(
        panic_message(|| drop(softmax_cross_entropy_with_integer_labels(&f2(2, 3), &f(2)))),
        "Expected the input to have a dtype that is a subdtype of <class 'numpy.integer'>, \
         got float32 instead"
    );
    assert_eq!(
        panic_message(
            || drop(softmax_cross_entropy_with_integer_labels_with_options(
                &f2(2, 3),
                &i(2),
                ReduceOptions {
                    axis: Axes::All,
                    where_: None
                }
            ))
        ),
        "Keyword argument 'axis' must be of type 'int' or 'tuple[int, ...]' but actual type \
         is <class 'NoneType'>."
    );
    assert_eq!(
        panic_message(
            || drop(softmax_cross_entropy_with_integer_labels_with_options(
                &f2(2, 3),
                &i(2),
                ReduceOptions {
                    axis: Axes::from(2),
                    where_: None
                }
            ))
        ),
        "axis 2 is out of bounds for array of dimension 2"
    );
    assert_eq!(
        panic_message(|| drop(ctc_loss(&f2(2, 3), &f2(2, 3), &f2(2, 3), &f2(2, 3)))),
        "Expected the input to have rank 3, got 2 instead"
    );
    let logits = Array::from_vec(vec![0.0f32; 24], [2, 3, 4]);
    let labels = Array::from_vec(vec![1i32; 9], [3, 3]);
    assert_eq!(
        panic_message(|| drop(ctc_loss(&logits, &f2(2, 3), &labels, &f2(3, 3)))),
        "Expected `labels` to have batch size 2, got 3."
    );
    assert_eq!(
        panic_message(|| drop(losses::ntxent(&f2(4, 2), &i(3)))),
        "Labels and embeddings must have the same leading dimension, found 3 for labels and 4 \
         for embeddings."
    );
}

#[test]
fn data_dependent_errors_have_optax_messages() {
    let g = Golden::load("optim_losses");
    let case = &g.section("errors")["binary_dice_loss_not_probabilities"];
    let predictions = decode(&case["predictions"]);
    let targets = Array::from_vec(vec![1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0], [2, 3]);
    let got = panic_message(|| {
        drop(binary_dice_loss_with_options(
            &predictions,
            &targets,
            BinaryDiceLossOptions {
                apply_sigmoid: false,
                ..Default::default()
            },
        ))
    });
    assert_eq!(got, case["message"].as_str().expect("a message"));
    g.assert_sections_read(&["errors"]);
}

/// Under `jit` the losses trace (the custom JVP of the safe cross entropy, the masked
/// reductions, the value check of the Dice loss skipped for tracers) and give the eager
/// values.
#[test]
fn losses_trace_under_jit() {
    use equinox_core::transforms::jit;
    let logits = Array::from_vec(
        vec![1.0f32, -2.0, 0.5, 3.0, f32::NEG_INFINITY, 0.25],
        [2, 3],
    );
    let probs = Array::from_vec(vec![0.2f32, 0.0, 0.8, 0.5, 0.0, 0.5], [2, 3]);
    let int_labels = Array::from_vec(vec![2i32, 0], [2]);
    let mask = Array::from_vec(vec![true, false, true, true, false, true], [2, 3]);
    let one_hot = Array::from_vec(vec![0.0f32, 0.0, 1.0, 1.0, 0.0, 0.0], [2, 3]);
    let eager_and_jitted = |f: &dyn Fn(&Array) -> Array| {
        let eager = f(&logits).to_vec::<f32>();
        let jitted = jit(|x: &Array| f(x))(&logits).to_vec::<f32>();
        (eager, jitted)
    };
    type Loss<'a> = Box<dyn Fn(&Array) -> Array + 'a>;
    let cases: Vec<(&str, Loss)> = vec![
        (
            "safe_softmax_cross_entropy",
            Box::new(|x| safe_softmax_cross_entropy(x, &probs)),
        ),
        (
            "softmax_cross_entropy_with_integer_labels where",
            Box::new(|x| {
                softmax_cross_entropy_with_integer_labels_with_options(
                    x,
                    &int_labels,
                    ReduceOptions {
                        where_: Some(mask.clone()),
                        ..Default::default()
                    },
                )
            }),
        ),
        (
            "dice_loss of probabilities",
            Box::new(|x| {
                let finite = equinox_core::numpy::where_(
                    &equinox_core::numpy::isfinite(x),
                    x,
                    &Array::weak_scalar(-5.0f64),
                );
                dice_loss_with_options(
                    &equinox_core::nn::softmax(&finite, -1).reshape([2, 1, 3]),
                    &one_hot.reshape([2, 1, 3]),
                    DiceLossOptions {
                        apply_softmax: false,
                        ..Default::default()
                    },
                )
            }),
        ),
    ];
    for (name, f) in &cases {
        let (eager, jitted) = eager_and_jitted(f.as_ref());
        assert_eq!(
            eager.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            jitted.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            "{name}: {eager:?} vs {jitted:?}"
        );
    }
}
