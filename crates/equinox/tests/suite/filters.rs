//! Filters: ports of Equinox's `test_filters.py` (each test named after the Python one), plus
//! the Rust-specific parts of the API (`Filter` selections, paths and combinators, reuse of a
//! filter, `apply_updates`, misuse).
//!
//! Not ported: `test_is_array_like` and `test_is_inexact_array_like` (there is no
//! `is_array_like`: it differs from `is_array` only on Python scalars, which are static fields
//! in Rust, never leaves), the `ValueError` for a `filter_spec` that is not a prefix of the
//! tree (a Rust spec is typed on the tree, so it cannot have another structure; a hand-written
//! `FilterSpec` giving the wrong number of bools is tested instead), and the old
//! `split`/`merge` tests (removed from Equinox).

use equinox as eqx;
use eqx::tree::{self, KeyPath, PyTree, Static};
use eqx::{numpy as jnp, Array, DType, Filter, FilterSpec, Module, ShapeDtype};
use std::collections::BTreeMap;

#[derive(Module, Clone)]
#[module(debug)]
struct Linear {
    weight: Array,
    bias: Option<Array>,
    in_features: usize,
    out_features: usize,
}

/// A linear layer whose leaves hold `start, start + 1, ...` in leaf order.
fn linear(i: usize, o: usize, start: f32) -> Linear {
    let n = (i * o) as f32;
    Linear {
        weight: jnp::arange_step(start, start + n, 1.0).reshape([o, i]),
        bias: Some(jnp::arange_step(start + n, start + n + o as f32, 1.0)),
        in_features: i,
        out_features: o,
    }
}

#[derive(Module, Clone)]
#[module(debug)]
struct Mlp {
    layers: Vec<Linear>,
    activation: fn(&Array) -> Array,
}

/// `eqx.nn.MLP(2, 2, 2, 2)`'s shape: three 2x2 layers.
fn mlp(start: f32) -> Mlp {
    Mlp {
        layers: (0..3)
            .map(|i| linear(2, 2, start + 6.0 * i as f32))
            .collect(),
        activation: eqx::nn::relu,
    }
}

fn paths<T: PyTree>(t: &T) -> Vec<String> {
    tree::leaves_with_path(t)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect()
}

/// Each leaf slot: `Some(path)` if present, `None` if filtered out.
fn slots<T: PyTree>(t: &T) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    t.visit_leaves_with_path(&mut KeyPath::new(), &mut |p, l| {
        out.push((p.to_string(), !l.is_filtered_out()))
    });
    out
}

/// True when `a` and `b` hold the same buffers, or are both filtered out with the same aval,
/// slot by slot.
fn same_leaves<T: PyTree>(a: &T, b: &T) -> bool {
    let mut bs = Vec::new();
    b.visit_leaves(&mut |l| bs.push(l));
    let mut i = 0;
    let mut same = a.static_eq(b);
    a.visit_leaves(&mut |x| {
        let y = bs[i];
        i += 1;
        same &= match (x.is_filtered_out(), y.is_filtered_out()) {
            (false, false) => x.ptr_eq(y),
            (true, true) => x.aval() == y.aval(),
            _ => false,
        };
    });
    same && i == bs.len()
}

fn int(v: i32) -> Array {
    Array::scalar(v)
}

/// The first pytree of `test_filter`: `[1, 2, [3, "hi", {"a": jnp.array(1), "b": 4, "c":
/// MLP}]]`, with the Python ints as int32 leaves (in Rust a bare int would be static).
type Mixed = (
    Array,
    Array,
    (Array, &'static str, BTreeMap<&'static str, Leafy>),
);

#[derive(Module, Clone)]
#[module(transparent)]
enum Leafy {
    Leaf(Array),
    Mlp(Mlp),
}

fn mixed() -> Mixed {
    let dict = BTreeMap::from([
        ("a", Leafy::Leaf(int(1))),
        ("b", Leafy::Leaf(int(4))),
        ("c", Leafy::Mlp(mlp(0.0))),
    ]);
    (int(1), int(2), (int(3), "hi", dict))
}

fn is_int(x: &Array) -> bool {
    x.dtype().is_integer()
}

#[test]
fn test_is_array() {
    for dtype in [
        DType::Bool,
        DType::U8,
        DType::U32,
        DType::I32,
        DType::I64,
        DType::F16,
        DType::BF16,
        DType::F32,
        DType::F64,
    ] {
        assert!(eqx::is_array(&jnp::zeros_dtype([1], dtype)), "{dtype}");
        assert!(eqx::is_array(&jnp::zeros_dtype([], dtype)), "{dtype}");
        let gone = Array::filtered_out(ShapeDtype::new([1], dtype));
        assert!(!eqx::is_array(&gone), "{dtype}");
    }
    assert!(eqx::is_array(&Array::weak_scalar(2.0f64)));
    // Static content never reaches a filter: only the two arrays are candidates, and
    // `is_array` keeps both.
    let t = (
        1usize,
        2.0f64,
        vec![2.0f32],
        true,
        jnp::ones([1]),
        Array::scalar(1.0f32),
    );
    let kept = eqx::filter(&t, eqx::is_array);
    assert!(same_leaves(&kept, &t));
    assert_eq!(paths(&kept), [".4", ".5"]);
}

#[test]
fn test_is_inexact_array() {
    let expected = [
        (DType::Bool, false),
        (DType::U8, false),
        (DType::U32, false),
        (DType::I32, false),
        (DType::I64, false),
        (DType::F16, true),
        (DType::BF16, true),
        (DType::F32, true),
        (DType::F64, true),
    ];
    for (dtype, inexact) in expected {
        assert_eq!(
            eqx::is_inexact_array(&jnp::zeros_dtype([2], dtype)),
            inexact,
            "{dtype}"
        );
        let gone = Array::filtered_out(ShapeDtype::new([2], dtype));
        assert!(!eqx::is_inexact_array(&gone), "{dtype}");
    }
    // jnp.array([1]) is not inexact, jnp.array(1.0) is; so is a weak float scalar.
    assert!(!eqx::is_inexact_array(&Array::from_vec(vec![1i32], [1])));
    assert!(eqx::is_inexact_array(&Array::scalar(1.0f32)));
    assert!(eqx::is_inexact_array(&Array::weak_scalar(1.0f64)));
}

#[test]
fn test_filter() {
    // A predicate over a mixed tree: every kept leaf satisfies it, and every leaf that does is
    // kept.
    let t = mixed();
    let filtered = eqx::filter(&t, is_int);
    let kept = tree::leaves(&filtered);
    assert!(kept.iter().all(|l| is_int(l)));
    assert_eq!(kept.len(), 5);
    let values: Vec<i32> = kept.iter().map(|l| l.item::<i32>()).collect();
    assert_eq!(values, [1, 2, 3, 1, 4]);
    assert_eq!(
        paths(&filtered),
        [".0", ".1", ".2.0", r#".2.2["a"]"#, r#".2.2["b"]"#]
    );
    // The MLP's float leaves are filtered out but keep their slots, shapes and dtypes, and the
    // static content is untouched.
    let Leafy::Mlp(m) = &filtered.2 .2["c"] else {
        panic!("variant changed")
    };
    assert_eq!(tree::num_leaves(m), 0);
    assert_eq!(m.num_leaves(), 6);
    assert_eq!(m.layers[1].weight.shape(), &[2, 2]);
    assert_eq!(m.layers[1].weight.dtype(), DType::F32);
    assert_eq!(filtered.2 .1, "hi");

    let t = (int(1), int(1), int(1), int(1), "hi");
    let filtered = eqx::filter(&t, is_int);
    assert!(same_leaves(&filtered, &t));

    // filter_spec = [False, True, [filter_fn, True]] on [Linear, Linear, [Linear, sentinel]].
    type Tree = (Linear, Linear, (Linear, Static<&'static str>));
    let t: Tree = (
        linear(1, 1, 0.0),
        linear(1, 1, 2.0),
        (linear(1, 1, 4.0), Static("sentinel")),
    );
    let spec = Filter::select(|t: &Tree| &t.1)
        .or(Filter::select(|t: &Tree| &t.2 .0).and(is_int))
        .or(Filter::select(|t: &Tree| &t.2 .1));
    let filtered = eqx::filter(&t, &spec);
    let none_linear = eqx::filter(&linear(1, 1, 0.0), false);
    assert!(tree::tree_equal(&filtered.0, &none_linear));
    assert!(tree::tree_equal(&filtered.1, &t.1));
    assert!(same_leaves(&filtered.1, &t.1));
    assert!(tree::tree_equal(&filtered.2 .0, &none_linear));
    assert_eq!(filtered.2 .1, Static("sentinel"));
    assert_eq!(paths(&filtered), [".1.weight", ".1.bias"]);
}

#[test]
fn test_partition_and_combine() {
    let t = mixed();
    let (ints, rest) = eqx::partition(&t, is_int);
    assert!(tree::leaves(&ints).iter().all(|l| is_int(l)));
    assert!(tree::leaves(&rest).iter().all(|l| !is_int(l)));
    assert_eq!(tree::num_leaves(&ints), 5);
    assert_eq!(tree::num_leaves(&rest), 6);
    // Each slot is present in exactly one half.
    for ((p, a), (q, b)) in slots(&ints).into_iter().zip(slots(&rest)) {
        assert_eq!(p, q);
        assert!(a != b, "{p}");
    }
    assert!(same_leaves(&eqx::combine2(&ints, &rest), &t));
    assert!(same_leaves(&eqx::combine2(&rest, &ints), &t));
    assert!(tree::tree_equal(&eqx::combine(&[&rest, &ints]), &t));

    let t = (int(1), int(1), int(1), int(1), "hi");
    let (ints, rest) = eqx::partition(&t, is_int);
    assert!(same_leaves(&ints, &t));
    assert_eq!(tree::num_leaves(&rest), 0);
    assert!(same_leaves(&eqx::combine2(&rest, &ints), &t));
}

#[test]
fn test_partition_subtree() {
    // eqx.partition([(1,), 2], [True, False]): a bool at a subtree covers all of it.
    type Tree = (Vec<(Array,)>, Array);
    let t: Tree = (vec![(int(1),), (int(5),)], int(2));
    let (a, b) = eqx::partition(&t, Filter::select(|t: &Tree| &t.0));
    assert_eq!(
        slots(&a),
        [
            (".0[0].0".to_string(), true),
            (".0[1].0".to_string(), true),
            (".1".to_string(), false)
        ]
    );
    assert_eq!(paths(&b), [".1"]);
    assert_eq!(b.1.item::<i32>(), 2);
    assert!(same_leaves(&eqx::combine2(&a, &b), &t));
}

#[test]
fn test_is_leaf() {
    // Equinox: filter_spec is `x.value == 1` on M nodes (made leaves by `is_leaf`), True
    // elsewhere; pytree = [M(1), M(2), 3]. Here the selector looks at the nodes directly.
    #[derive(Module, Clone)]
    struct M {
        value: Array,
    }
    type Tree = (Vec<M>, Array);
    let t: Tree = (vec![M { value: int(1) }, M { value: int(2) }], int(3));
    let spec =
        Filter::select_many(|t: &Tree| t.0.iter().filter(|m| m.value.item::<i32>() == 1).collect())
            .or(Filter::select(|t: &Tree| &t.1));
    let out = eqx::filter(&t, &spec);
    assert_eq!(paths(&out), [".0[0].value", ".1"]);
    assert!(out.0[1].value.is_filtered_out());
    let (out1, out2) = eqx::partition(&t, &spec);
    assert!(same_leaves(&out1, &out));
    assert_eq!(paths(&out2), [".0[1].value"]);
    assert_eq!(out2.0[1].value.item::<i32>(), 2);
}

#[test]
fn filter_inverse_and_already_filtered_leaves() {
    let m = linear(2, 3, 0.0);
    let weights = eqx::filter(&m, Filter::leaf(|x| x.ndim() == 2));
    let biases = eqx::filter_with_options(
        &m,
        Filter::leaf(|x| x.ndim() == 2),
        eqx::FilterOptions { inverse: true },
    );
    assert_eq!(paths(&weights), ["weight"]);
    assert_eq!(paths(&biases), ["bias"]);
    assert_eq!(weights.in_features, 2);
    assert_eq!(biases.out_features, 3);
    // A filtered-out leaf stays filtered out whatever the spec says, and a predicate never
    // sees it.
    let seen = std::cell::Cell::new(0);
    let counting = |_: &Array| {
        seen.set(seen.get() + 1);
        true
    };
    assert_eq!(tree::num_leaves(&eqx::filter(&weights, true)), 1);
    assert_eq!(
        tree::num_leaves(&eqx::filter_with_options(
            &weights,
            false,
            eqx::FilterOptions { inverse: true }
        )),
        1
    );
    assert_eq!(tree::num_leaves(&eqx::filter(&weights, counting)), 1);
    assert_eq!(seen.get(), 1);
    assert_eq!(tree::num_leaves(&eqx::filter(&m, false)), 0);
    assert!(same_leaves(
        &eqx::filter_with_options(&m, false, eqx::FilterOptions { inverse: true }),
        &m
    ));
}

#[test]
fn filter_path_select_and_combinators() {
    let m = mlp(0.0);
    let biases = Filter::path(|p, _| p.to_string().ends_with("bias"));
    let last = Filter::select(|m: &Mlp| m.layers.last().unwrap());
    assert_eq!(
        paths(&eqx::filter(&m, &biases)),
        ["layers[0].bias", "layers[1].bias", "layers[2].bias"]
    );
    assert_eq!(
        paths(&eqx::filter(&m, &last)),
        ["layers[2].weight", "layers[2].bias"]
    );
    assert_eq!(
        paths(&eqx::filter(&m, last.and(&biases))),
        ["layers[2].bias"]
    );
    let last = Filter::select(|m: &Mlp| m.layers.last().unwrap());
    assert_eq!(
        paths(&eqx::filter(&m, last.or(&biases))),
        [
            "layers[0].bias",
            "layers[1].bias",
            "layers[2].weight",
            "layers[2].bias"
        ]
    );
    assert_eq!(
        paths(&eqx::filter(&m, !biases)),
        ["layers[0].weight", "layers[1].weight", "layers[2].weight"]
    );
    // A predicate's argument is the leaf itself: keep the leaves holding a value above 10.
    let big = Filter::leaf(|x| x.to_vec::<f32>().iter().any(|&v| v > 10.0));
    assert_eq!(
        paths(&eqx::filter(&m, big)),
        ["layers[1].bias", "layers[2].weight", "layers[2].bias"]
    );
    // `Filter::new` wraps any spec.
    assert_eq!(tree::num_leaves(&eqx::filter(&m, Filter::new(true))), 6);
    assert_eq!(
        tree::num_leaves(&eqx::filter(&m, !Filter::new(eqx::is_array))),
        0
    );
}

#[test]
fn select_reaches_nodes_through_containers() {
    #[derive(Module, Clone)]
    enum Layer {
        Dense(Linear),
        Scale { factor: Array, extra: Option<Array> },
    }
    type Tree = (Vec<Layer>, BTreeMap<String, Array>, Option<Array>);
    let t: Tree = (
        vec![
            Layer::Dense(linear(1, 2, 0.0)),
            Layer::Scale {
                factor: jnp::ones([2]),
                extra: Some(jnp::zeros([1])),
            },
        ],
        BTreeMap::from([("k".to_string(), jnp::ones([3]))]),
        None,
    );
    let extra = Filter::select(|t: &Tree| match &t.0[1] {
        Layer::Scale { extra, .. } => extra,
        Layer::Dense(_) => panic!("layer 1 is a Scale"),
    });
    assert_eq!(paths(&eqx::filter(&t, extra)), [".0[1].extra"]);
    let entry = Filter::select(|t: &Tree| &t.1["k"]);
    assert_eq!(paths(&eqx::filter(&t, entry)), [r#".1["k"]"#]);
    // The whole tree, a node without leaves, and a node picked twice.
    assert_eq!(
        tree::num_leaves(&eqx::filter(&t, Filter::select(|t: &Tree| t))),
        5
    );
    assert_eq!(
        tree::num_leaves(&eqx::filter(&t, Filter::select(|t: &Tree| &t.2))),
        0
    );
    let twice = Filter::select_many(|t: &Tree| vec![&t.1, &t.1]);
    assert_eq!(paths(&eqx::filter(&t, twice)), [r#".1["k"]"#]);
}

#[test]
fn a_filter_is_reused_on_trees_of_one_type() {
    // A selection is evaluated on each tree it is applied to, so it follows that tree's
    // shape (here, the last layer of MLPs of different depths).
    let last = Filter::select(|m: &Mlp| m.layers.last().unwrap());
    let short = Mlp {
        layers: vec![linear(2, 2, 0.0)],
        activation: eqx::nn::relu,
    };
    assert_eq!(
        paths(&eqx::filter(&short, &last)),
        ["layers[0].weight", "layers[0].bias"]
    );
    assert_eq!(
        paths(&eqx::filter(&mlp(0.0), &last)),
        ["layers[2].weight", "layers[2].bias"]
    );
}

#[test]
fn combine_takes_the_first_present_leaf() {
    let a = vec![int(1), int(2), int(3)];
    let b = vec![int(10), int(20), int(30)];
    let c = vec![int(100), int(200), int(300)];
    let a0 = eqx::filter(&a, Filter::select(|v: &Vec<Array>| &v[0]));
    let b01 = eqx::filter(&b, Filter::select_many(|v: &Vec<Array>| vec![&v[0], &v[1]]));
    let none = eqx::filter(&c, false);
    let out = eqx::combine(&[&a0, &b01, &c]);
    let values: Vec<i32> = out.iter().map(|x| x.item()).collect();
    assert_eq!(values, [1, 20, 300]);
    let out = eqx::combine(&[&a0, &none, &b01]);
    let expected = [("[0]", true), ("[1]", true), ("[2]", false)].map(|(p, b)| (p.to_string(), b));
    assert_eq!(slots(&out), expected);
    assert_eq!(out[1].item::<i32>(), 20);
    // A single tree is returned as it is.
    assert!(same_leaves(&eqx::combine(&[&a0]), &a0));
}

#[test]
fn apply_updates_adds_where_updates_are_present() {
    let m = linear(2, 2, 0.0);
    let grads = eqx::filter(
        &tree::map(&m, |x| x * 0.0 + 0.5),
        Filter::select(|l: &Linear| &l.weight),
    );
    let new = eqx::apply_updates(&m, &grads);
    assert_eq!(new.weight.to_vec::<f32>(), [0.5, 1.5, 2.5, 3.5]);
    assert!(new.bias.as_ref().unwrap().ptr_eq(m.bias.as_ref().unwrap()));
    assert_eq!(new.in_features, 2);
    // Promotion as for `+`: bf16 updates to an f32 model give f32.
    let ups = tree::map(&m, |x| x.astype(DType::BF16));
    let new = eqx::apply_updates(&m, &ups);
    assert_eq!(new.bias.unwrap().to_vec::<f32>(), [8.0, 10.0]);
}

struct WrongLength;

impl FilterSpec<Vec<Array>> for WrongLength {
    fn mask(&self, _: &Vec<Array>) -> Vec<bool> {
        vec![true]
    }
}

#[test]
#[should_panic(expected = "filter: the filter spec gave 1 bools for a tree with 2 leaf slots")]
fn a_filter_spec_of_the_wrong_length_panics() {
    eqx::filter(&vec![jnp::ones([1]), jnp::ones([1])], WrongLength);
}

#[test]
#[should_panic(expected = "partition: the filter spec gave 1 bools for a tree with 2 leaf slots")]
fn partition_with_a_spec_of_the_wrong_length_panics() {
    eqx::partition(&vec![jnp::ones([1]), jnp::ones([1])], WrongLength);
}

#[test]
#[should_panic(
    expected = "Filter::select: the selector returned a node that is not part of the tree"
)]
fn selecting_a_node_outside_the_tree_panics() {
    let outside: &'static Array = Box::leak(Box::new(jnp::ones([1])));
    let t = vec![jnp::ones([1])];
    eqx::filter(&t, Filter::select(move |_: &Vec<Array>| outside));
}

#[test]
#[should_panic(expected = "Filter::select_many: the selector returned a node that is not part")]
fn select_many_outside_the_tree_panics() {
    let outside: &'static Array = Box::leak(Box::new(jnp::ones([1])));
    let t = vec![jnp::ones([1])];
    eqx::filter(
        &t,
        Filter::select_many(move |t: &Vec<Array>| vec![&t[0], outside]),
    );
}

#[test]
#[should_panic(
    expected = "combine: tree 1 does not have the structure of tree 0; they differ at the root: sequence lengths differ: 2 != 3"
)]
fn combine_of_different_structures_panics() {
    let a = vec![int(1), int(2)];
    let b = vec![int(1), int(2), int(3)];
    eqx::combine2(&a, &b);
}

#[test]
#[should_panic(expected = "combine: needs at least one tree")]
fn combine_of_no_trees_panics() {
    eqx::combine::<Vec<Array>>(&[]);
}

#[test]
#[should_panic(
    expected = "apply_updates: the updates do not have the model's structure; they differ at `in_features`"
)]
fn apply_updates_of_another_structure_panics() {
    eqx::apply_updates(&linear(2, 2, 0.0), &linear(3, 2, 0.0));
}

#[test]
#[should_panic(expected = "filtered-out leaf")]
fn apply_updates_to_a_filtered_out_leaf_panics() {
    let m = linear(2, 2, 0.0);
    let frozen = eqx::filter_with_options(&m, eqx::is_array, eqx::FilterOptions { inverse: true });
    eqx::apply_updates(&frozen, &m);
}
