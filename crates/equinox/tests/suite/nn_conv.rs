//! `eqx::nn` convolutions and pooling against real Equinox 0.13.8 (`parity/nn_conv.py` →
//! `parity/goldens/nn_conv.json`): for every layer and option combination there, the initial
//! parameters bit for bit, the forward output, and the gradients of `sum(sin(y) * y)` with
//! respect to the parameters and the input; plus shapes from the spec, structure and misuse.

use equinox as eqx;
use equinox_testing::{Golden, Tolerance};
use eqx::nn::{
    self, AdaptiveOperation, ConvOptions, ConvTransposeOptions, Layer, Padding, PaddingMode,
    PoolOperation, PoolOptions, Sizes,
};
use eqx::{numpy as jnp, random, tree, Array, DType};
use serde_json::Value;

use crate::common;
use common::golden_arrays::{self, array_of, assert_bit_equal, dtype_of};

fn golden() -> Golden {
    Golden::load("nn_conv")
}

const CONV_SECTIONS: &[&str] = &["conv"];
const CONV_TRANSPOSE_SECTIONS: &[&str] = &["conv_transpose"];
const POOL_SECTIONS: &[&str] = &["pool"];
const ADAPTIVE_SECTIONS: &[&str] = &["adaptive_pool"];
const X64_SECTIONS: &[&str] = &["x64"];

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[
        CONV_SECTIONS,
        CONV_TRANSPOSE_SECTIONS,
        POOL_SECTIONS,
        ADAPTIVE_SECTIONS,
        X64_SECTIONS,
    ]);
}

/// Agreement with Equinox in dtype, shape and value. A convolution sums many products, and
/// XLA and this crate add them in different orders, so float32 allows a few roundings of the
/// largest terms (1e-5, relative and absolute: the values here are of order 1); float64 1e-12;
/// the half types a couple of steps of their own precision.
fn assert_close(actual: &Array, expected: &Value, what: &str) {
    let tol = match dtype_of(expected) {
        DType::F16 => 4e-3,
        DType::BF16 => 3e-2,
        DType::F64 => 1e-12,
        _ => 1e-5,
    };
    golden_arrays::assert_close(actual, expected, Tolerance::new(tol, tol), what);
}

fn usize_of(v: &Value) -> usize {
    v.as_u64().unwrap_or_else(|| panic!("not a size: {v}")) as usize
}

fn sizes_of(v: &Value) -> Sizes {
    match v {
        Value::Number(_) => Sizes::All(usize_of(v)),
        Value::Array(a) => Sizes::Each(a.iter().map(usize_of).collect()),
        other => panic!("not sizes: {other}"),
    }
}

fn padding_of(v: &Value) -> Padding {
    match v {
        Value::String(s) => Padding::from(s.as_str()),
        Value::Number(_) => Padding::All(usize_of(v)),
        Value::Array(a) if a.iter().all(Value::is_array) => Padding::Pairs(
            a.iter()
                .map(|p| (usize_of(&p[0]), usize_of(&p[1])))
                .collect(),
        ),
        Value::Array(a) => Padding::Each(a.iter().map(usize_of).collect()),
        other => panic!("not a padding: {other}"),
    }
}

fn key_of(case: &Value) -> random::Key {
    random::key(case["seed"].as_u64().unwrap())
}

/// `sum(sin(y) * y)`: a loss whose gradient `sin(y) + y cos(y)` differs at every output.
fn loss_of(y: &Array) -> Array {
    (&y.sin() * y).sum(None)
}

/// Checks the forward output and the gradients (parameters in leaf order, then the input).
fn check_run<L: Layer + eqx::Module + Clone + 'static>(layer: &L, case: &Value, name: &str) {
    let x = array_of(&case["x"]);
    assert_close(&layer.forward(&x), &case["y"], &format!("{name}: forward"));
    let (grad_layer, grad_x) =
        eqx::grad(|(l, x): &(L, Array)| loss_of(&l.forward(x)))(&(layer.clone(), x));
    let want = case["grad_params"].as_array().unwrap();
    let got = tree::leaves(&grad_layer);
    assert_eq!(
        got.len(),
        want.len(),
        "{name}: number of parameter gradients"
    );
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_close(g, w, &format!("{name}: gradient of parameter {i}"));
    }
    assert_close(&grad_x, &case["grad_x"], &format!("{name}: gradient of x"));
}

fn check_parameters(weight: &Array, bias: &Option<Array>, case: &Value, name: &str) {
    assert_bit_equal(weight, &case["weight"], &format!("{name}.weight"));
    match (bias, &case["bias"]) {
        (None, Value::Null) => {}
        (Some(b), v @ Value::Object(_)) => assert_bit_equal(b, v, &format!("{name}.bias")),
        (b, v) => panic!("{name}: bias {b:?} vs Equinox {v}"),
    }
}

fn conv_options(case: &Value) -> ConvOptions {
    let o = &case["options"];
    ConvOptions {
        stride: sizes_of(&o["stride"]),
        padding: padding_of(&o["padding"]),
        dilation: sizes_of(&o["dilation"]),
        groups: usize_of(&o["groups"]),
        use_bias: o["use_bias"].as_bool().unwrap(),
        padding_mode: PaddingMode::from(o["padding_mode"].as_str().unwrap()),
        dtype: DType::from_name(case["dtype"].as_str().unwrap()).unwrap(),
    }
}

fn check_conv_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let conv = nn::Conv::with_options(
        usize_of(&case["num_spatial_dims"]),
        usize_of(&case["in_channels"]),
        usize_of(&case["out_channels"]),
        sizes_of(&case["kernel_size"]),
        conv_options(case),
        key_of(case),
    );
    check_parameters(&conv.weight, &conv.bias, case, name);
    check_run(&conv, case, name);
}

fn check_conv_transpose_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let c = conv_options(case);
    let options = ConvTransposeOptions {
        stride: c.stride,
        padding: c.padding,
        output_padding: sizes_of(&case["options"]["output_padding"]),
        dilation: c.dilation,
        groups: c.groups,
        use_bias: c.use_bias,
        padding_mode: c.padding_mode,
        dtype: c.dtype,
    };
    let conv = nn::ConvTranspose::with_options(
        usize_of(&case["num_spatial_dims"]),
        usize_of(&case["in_channels"]),
        usize_of(&case["out_channels"]),
        sizes_of(&case["kernel_size"]),
        options,
        key_of(case),
    );
    check_parameters(&conv.weight, &conv.bias, case, name);
    check_run(&conv, case, name);
}

fn check_pool_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let nsd = usize_of(&case["num_spatial_dims"]);
    let o = &case["options"];
    let options = PoolOptions {
        stride: sizes_of(&o["stride"]),
        padding: padding_of(&o["padding"]),
        use_ceil: o["use_ceil"].as_bool().unwrap(),
    };
    let kernel = sizes_of(&case["kernel_size"]);
    let kind = case["kind"].as_str().unwrap();
    let pool = if case["general"].as_bool().unwrap() {
        let op = match kind {
            "max" => PoolOperation::Max,
            "min" => PoolOperation::Min,
            "add" => PoolOperation::Add,
            other => panic!("no pool operation {other}"),
        };
        nn::Pool::with_options(op, nsd, kernel, options)
    } else {
        match (kind, nsd) {
            ("max", 1) => nn::MaxPool1d::with_options(kernel, options),
            ("max", 2) => nn::MaxPool2d::with_options(kernel, options),
            ("max", 3) => nn::MaxPool3d::with_options(kernel, options),
            ("avg", 1) => nn::AvgPool1d::with_options(kernel, options),
            ("avg", 2) => nn::AvgPool2d::with_options(kernel, options),
            ("avg", 3) => nn::AvgPool3d::with_options(kernel, options),
            other => panic!("no pool {other:?}"),
        }
    };
    check_run(&pool, case, name);
}

fn check_adaptive_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let nsd = usize_of(&case["num_spatial_dims"]);
    let target = sizes_of(&case["target_shape"]);
    let kind = case["kind"].as_str().unwrap();
    let pool = if case["general"].as_bool().unwrap() {
        let op = match kind {
            "avg" => AdaptiveOperation::Mean,
            "max" => AdaptiveOperation::Max,
            other => panic!("no adaptive operation {other}"),
        };
        nn::AdaptivePool::new(target, nsd, op)
    } else {
        match (kind, nsd) {
            ("avg", 1) => nn::AdaptiveAvgPool1d::new(target),
            ("avg", 2) => nn::AdaptiveAvgPool2d::new(target),
            ("avg", 3) => nn::AdaptiveAvgPool3d::new(target),
            ("max", 1) => nn::AdaptiveMaxPool1d::new(target),
            ("max", 2) => nn::AdaptiveMaxPool2d::new(target),
            ("max", 3) => nn::AdaptiveMaxPool3d::new(target),
            other => panic!("no adaptive pool {other:?}"),
        }
    };
    check_run(&pool, case, name);
}

// ---- the goldens ----

#[test]
fn conv_matches_equinox() {
    let g = golden();
    let cases = g.section("conv");
    assert_eq!(cases.len(), 27);
    for case in cases.iter() {
        check_conv_case(case);
    }
    g.assert_sections_read(CONV_SECTIONS);
}

#[test]
fn conv_transpose_matches_equinox() {
    let g = golden();
    let cases = g.section("conv_transpose");
    assert_eq!(cases.len(), 14);
    for case in cases.iter() {
        check_conv_transpose_case(case);
    }
    g.assert_sections_read(CONV_TRANSPOSE_SECTIONS);
}

#[test]
fn pools_match_equinox() {
    let g = golden();
    let cases = g.section("pool");
    assert_eq!(cases.len(), 14);
    for case in cases.iter() {
        check_pool_case(case);
    }
    g.assert_sections_read(POOL_SECTIONS);
}

#[test]
fn adaptive_pools_match_equinox() {
    let g = golden();
    let cases = g.section("adaptive_pool");
    assert_eq!(cases.len(), 10);
    for case in cases.iter() {
        check_adaptive_case(case);
    }
    g.assert_sections_read(ADAPTIVE_SECTIONS);
}

#[test]
fn float64_layers_match_equinox_with_x64() {
    let g = golden();
    let x64 = g.section("x64");
    for case in x64["conv"].as_array().unwrap() {
        check_conv_case(case);
    }
    for case in x64["conv_transpose"].as_array().unwrap() {
        check_conv_transpose_case(case);
    }
    for case in x64["pool"].as_array().unwrap() {
        check_pool_case(case);
    }
    g.assert_sections_read(X64_SECTIONS);
}

// ---- shapes, structure, definitions ----

#[test]
fn conv_output_shapes_from_the_spec() {
    // 1×5×5 input, k = 3, two output channels.
    let shape = |options: ConvOptions| {
        nn::Conv2d::with_options(1, 2, 3, options, random::key(0))
            .forward(&jnp::ones([1, 5, 5]))
            .shape()
            .to_vec()
    };
    let with = |padding: Padding, mode: PaddingMode, stride: usize| ConvOptions {
        padding,
        padding_mode: mode,
        stride: stride.into(),
        ..Default::default()
    };
    use PaddingMode::*;
    assert_eq!(shape(ConvOptions::default()), [2, 3, 3]);
    assert_eq!(shape(with("SAME".into(), Zeros, 1)), [2, 5, 5]);
    assert_eq!(shape(with("VALID".into(), Zeros, 1)), [2, 3, 3]);
    assert_eq!(shape(with(1.into(), Reflect, 1)), [2, 5, 5]);
    assert_eq!(shape(with(1.into(), Circular, 1)), [2, 5, 5]);
    assert_eq!(shape(with([(1, 0), (0, 2)].into(), Zeros, 1)), [2, 4, 5]);
    assert_eq!(shape(with("SAME".into(), Zeros, 2)), [2, 3, 3]);
}

#[test]
fn conv_is_the_sum_of_products() {
    // One channel, 1-d, kernel 2, no bias: y[i] = w0 x[i] + w1 x[i+1] (a correlation).
    let conv = nn::Conv1d::with_options(
        1,
        1,
        2,
        ConvOptions {
            use_bias: false,
            ..Default::default()
        },
        random::key(3),
    );
    let w = conv.weight.to_vec::<f32>();
    let y = conv
        .forward(&Array::from_vec(vec![1.0f32, 2.0, 4.0], [1, 3]))
        .to_vec::<f32>();
    assert_eq!(y, vec![w[0] + 2.0 * w[1], 2.0 * w[0] + 4.0 * w[1]]);
}

#[test]
fn padding_modes_fill_as_numpy() {
    // A 1×1 kernel of weight 1 shows the padded input itself.
    let show = |mode: PaddingMode, pad: usize| {
        let mut conv = nn::Conv1d::with_options(
            1,
            1,
            1,
            ConvOptions {
                padding: pad.into(),
                padding_mode: mode,
                use_bias: false,
                ..Default::default()
            },
            random::key(0),
        );
        conv.weight = jnp::ones([1, 1, 1]);
        conv.forward(&Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [1, 4]))
            .to_vec::<f32>()
    };
    assert_eq!(
        show(PaddingMode::Zeros, 2),
        [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.0, 0.0]
    );
    assert_eq!(
        show(PaddingMode::Reflect, 2),
        [3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0]
    );
    assert_eq!(
        show(PaddingMode::Replicate, 2),
        [1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0]
    );
    assert_eq!(
        show(PaddingMode::Circular, 2),
        [3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0]
    );
    // Wider than the axis: reflection keeps bouncing, as np.pad([1, 2, 3, 4], 5, "reflect").
    assert_eq!(
        show(PaddingMode::Reflect, 5),
        [2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0, 1.0, 2.0, 3.0]
    );
}

#[test]
fn conv_transpose_uses_the_kernel_unflipped() {
    // spec: ConvTranspose1d(1, 1, 3, use_bias=False) on the delta [1, 0, 0] gives
    // [w2, w1, w0, 0, 0].
    let ct = nn::ConvTranspose1d::with_options(
        1,
        1,
        3,
        ConvTransposeOptions {
            use_bias: false,
            ..Default::default()
        },
        random::key(0),
    );
    let w = ct.weight.to_vec::<f32>();
    let y = ct.forward(&Array::from_vec(vec![1.0f32, 0.0, 0.0], [1, 3]));
    assert_eq!(y.to_vec::<f32>(), vec![w[2], w[1], w[0], 0.0, 0.0]);
}

#[test]
fn conv_transpose_shapes_from_the_spec() {
    let build = |padding: Padding, output_padding: usize| {
        nn::ConvTranspose2d::with_options(
            1,
            2,
            3,
            ConvTransposeOptions {
                stride: 2.into(),
                padding,
                output_padding: output_padding.into(),
                ..Default::default()
            },
            random::key(0),
        )
    };
    let x = jnp::ones([1, 5, 5]);
    assert_eq!(build(1.into(), 1).forward(&x).shape(), &[2, 10, 10]);
    assert_eq!(build("SAME".into(), 0).forward(&x).shape(), &[2, 10, 10]);
    // Relation 14: padding 1, kernel 3 → transposed padding 1 each side, plus a at the end.
    assert_eq!(build(1.into(), 1).padding_transpose(), vec![(1, 2), (1, 2)]);
}

#[test]
fn conv_transpose_undoes_conv_shapes() {
    let opts = ConvOptions {
        stride: 2.into(),
        padding: 1.into(),
        ..Default::default()
    };
    let conv = nn::Conv2d::with_options(3, 5, 3, opts, random::key(0));
    let up = nn::ConvTranspose2d::with_options(
        5,
        3,
        3,
        ConvTransposeOptions {
            stride: 2.into(),
            padding: 1.into(),
            output_padding: 1.into(),
            ..Default::default()
        },
        random::key(1),
    );
    let x = jnp::ones([3, 8, 8]);
    let down = conv.forward(&x);
    assert_eq!(down.shape(), &[5, 4, 4]);
    assert_eq!(up.forward(&down).shape(), x.shape());
}

#[test]
fn conv_layers_are_pytrees_with_static_settings() {
    let a = nn::Conv2d::new(2, 3, 3, random::key(0));
    let b = nn::Conv2d::new(2, 3, 3, random::key(1));
    let c = nn::Conv2d::with_options(
        2,
        3,
        3,
        ConvOptions {
            padding: "SAME".into(),
            ..Default::default()
        },
        random::key(0),
    );
    assert!(eqx::Module::static_eq(&a, &b));
    assert!(!eqx::Module::static_eq(&a, &c));
    let paths: Vec<String> = tree::leaves_with_path(&a)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect();
    assert_eq!(paths, ["weight", "bias"]);
    assert_eq!(a.bias.as_ref().unwrap().shape(), &[3, 1, 1]);
    assert_eq!(a.padding, Padding::Pairs(vec![(0, 0), (0, 0)]));
    assert_eq!(c.padding, Padding::Same);
    assert!(tree::leaves(&nn::MaxPool2d::new(2)).is_empty());
    assert!(tree::leaves(&nn::AdaptiveAvgPool1d::new(2)).is_empty());
    assert_eq!(
        format!("{:?}", nn::MaxPool1d::new(2)),
        tree::tree_pformat(&nn::MaxPool1d::new(2))
    );
    // Conv1d/2d/3d are Conv with the rank fixed.
    let c3 = nn::Conv3d::new(1, 1, 2, random::key(0));
    assert!(tree::tree_equal(
        &c3,
        &nn::Conv::new(3, 1, 1, 2, random::key(0))
    ));
}

#[test]
fn a_batch_goes_through_vmap() {
    let conv = nn::Conv1d::new(2, 3, 3, random::key(0));
    let xs = random::normal(random::key(1), [4, 2, 6], DType::F32);
    let ys = eqx::vmap(|x: &Array| conv.forward(x))(&xs);
    assert_eq!(ys.shape(), &[4, 3, 4]);
    let second = |a: &Array| eqx::lax::slice_in_dim(a, 1, 2, 1, 0).squeeze(0);
    assert_eq!(
        second(&ys).to_vec::<f32>(),
        conv.forward(&second(&xs)).to_vec::<f32>()
    );
}

#[test]
fn pooling_definitions() {
    let x = Array::from_vec(vec![1.0f32, 5.0, 2.0, -1.0, 3.0], [1, 5]);
    // Default stride 1.
    assert_eq!(
        nn::MaxPool1d::new(2).forward(&x).to_vec::<f32>(),
        vec![5.0, 5.0, 2.0, 3.0]
    );
    assert_eq!(
        nn::Pool::new(PoolOperation::Min, 1, 2)
            .forward(&x)
            .to_vec::<f32>(),
        vec![1.0, 2.0, -1.0, -1.0]
    );
    assert_eq!(
        nn::AvgPool1d::new(2).forward(&x).to_vec::<f32>(),
        vec![3.0, 3.5, 0.5, 1.0]
    );
    // use_ceil: 5 positions, window 2, stride 2 → one more window over the end.
    let ceil = nn::MaxPool1d::with_options(
        2,
        PoolOptions {
            stride: 2.into(),
            use_ceil: true,
            ..Default::default()
        },
    );
    assert_eq!(ceil.forward(&x).to_vec::<f32>(), vec![5.0, 2.0, 3.0]);
    // Adaptive: Equinox's bins of arange(5) into 2 are [0, 1, 2] and [3, 4].
    let ar = jnp::arange(5.0).reshape([1, 5]);
    assert_eq!(
        nn::AdaptiveAvgPool1d::new(2).forward(&ar).to_vec::<f32>(),
        vec![1.0, 3.5]
    );
    assert_eq!(
        nn::AdaptiveMaxPool1d::new(2).forward(&ar).to_vec::<f32>(),
        vec![2.0, 4.0]
    );
}

// ---- misuse ----

#[test]
#[should_panic(
    expected = "nn::Conv: Input to `Conv` needs to have rank 3 (in_channels, 2 spatial axes), but input has shape (4, 2, 5, 5)"
)]
fn conv_refuses_a_batch() {
    nn::Conv2d::new(2, 3, 3, random::key(0)).forward(&jnp::ones([4, 2, 5, 5]));
}

#[test]
#[should_panic(
    expected = "nn::Conv: expected 2 input channels (shape (2, ...)), got input of shape (3, 5, 5)"
)]
fn conv_checks_channels() {
    nn::Conv2d::new(2, 3, 3, random::key(0)).forward(&jnp::ones([3, 5, 5]));
}

#[test]
#[should_panic(
    expected = "nn::ConvTranspose: expected 4 input channels (shape (4, ...)), got input of shape (2, 5)"
)]
fn conv_transpose_checks_channels() {
    nn::ConvTranspose1d::new(4, 3, 3, random::key(0)).forward(&jnp::ones([2, 5]));
}

#[test]
#[should_panic(expected = "nn::Conv: `in_channels` (=5) must be divisible by `groups` (=2).")]
fn conv_groups_must_divide_in_channels() {
    nn::Conv2d::with_options(
        5,
        4,
        3,
        ConvOptions {
            groups: 2,
            ..Default::default()
        },
        random::key(0),
    );
}

#[test]
#[should_panic(expected = "nn::Conv: Length of [3, 3] (length = 2) is not equal to 3")]
fn conv_per_axis_lengths_must_match() {
    nn::Conv3d::new(1, 1, [3, 3], random::key(0));
}

#[test]
#[should_panic(
    expected = "padding: `padding` string must be `'SAME'`, `'SAME_LOWER'`, or `'VALID'`"
)]
fn bad_padding_string() {
    let _ = Padding::from("FULL");
}

#[test]
#[should_panic(expected = "nn::ConvTranspose: Must have `output_padding < stride` (elementwise)")]
fn conv_transpose_output_padding_below_stride() {
    nn::ConvTranspose2d::with_options(
        1,
        1,
        3,
        ConvTransposeOptions {
            output_padding: 1.into(),
            ..Default::default()
        },
        random::key(0),
    );
}

#[test]
#[should_panic(
    expected = "nn::ConvTranspose: 'REFLECT' or 'REPLICATE' padding mode is not implemented"
)]
fn conv_transpose_has_no_reflect() {
    nn::ConvTranspose1d::with_options(
        1,
        1,
        3,
        ConvTransposeOptions {
            padding_mode: PaddingMode::Reflect,
            ..Default::default()
        },
        random::key(0),
    );
}

#[test]
#[should_panic(
    expected = "nn::ConvTranspose: `padding_mode == 'CIRCULAR'` is only implemented for 'SAME' or 'SAME_LOWER' padding"
)]
fn conv_transpose_circular_needs_same() {
    nn::ConvTranspose1d::with_options(
        1,
        1,
        3,
        ConvTransposeOptions {
            padding_mode: PaddingMode::Circular,
            padding: 1.into(),
            ..Default::default()
        },
        random::key(0),
    );
}

#[test]
#[should_panic(
    expected = "nn::Pool: Paddings should be less than the size of the kernel. Padding (3, 3) received for kernel size 2."
)]
fn pool_padding_at_most_the_kernel() {
    nn::MaxPool1d::with_options(
        2,
        PoolOptions {
            padding: 3.into(),
            ..Default::default()
        },
    )
    .forward(&jnp::ones([1, 5]));
}

#[test]
#[should_panic(expected = "nn::Pool: Input should have 2 spatial dimensions")]
fn pool_checks_rank() {
    nn::MaxPool2d::new(2).forward(&jnp::ones([5, 5]));
}

#[test]
#[should_panic(expected = "nn::Pool: `padding` must either be an int or tuple of length 1")]
fn pool_takes_no_string_padding() {
    nn::AvgPool1d::with_options(
        2,
        PoolOptions {
            padding: "SAME".into(),
            ..Default::default()
        },
    );
}

#[test]
#[should_panic(expected = "nn::AdaptivePool: Expected input with 2 dimensions, received 1 instead")]
fn adaptive_pool_checks_rank() {
    nn::AdaptiveAvgPool2d::new(2).forward(&jnp::ones([3, 4]));
}

#[test]
#[should_panic(expected = "nn::AdaptivePool: cannot pool an axis of size 2 into 3 bins")]
fn adaptive_pool_needs_enough_positions() {
    nn::AdaptiveMaxPool1d::new(3).forward(&jnp::ones([1, 2]));
}
