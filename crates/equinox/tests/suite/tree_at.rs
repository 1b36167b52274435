//! `tree_at` and `tree_equal`: ports of the `tree_at`/`tree_equal` tests of Equinox's
//! `test_tree.py` (each named after the Python one), plus the Rust-specific cases.
//!
//! Python cases with no Rust counterpart, because the types rule them out at compile time:
//! replacing a node by a value of another type (`replace="hi"` for an array; a layer kind
//! changes through an enum instead), `replace=4` for several nodes (a `TypeError`), passing
//! both `replace` and `replace_fn` (separate functions), a `where` that depends on the
//! leaves' identities or picks an ambiguous `None` (a `&mut` is the place itself), and
//! `test_tree_equal_jit` (no `jit` yet; comparing an array with the int `0` does not
//! type-check). `test_inference_mode` waits for layers with an `inference` field;
//! `tree_flatten_one_level`/`tree_check` test cycles, which owned Rust trees cannot have.

use equinox as eqx;
use eqx::tree::{self, PyTree};
use eqx::{numpy as jnp, Array, Module};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Module, Clone)]
#[module(debug)]
struct Linear {
    weight: Array,
    bias: Option<Array>,
    in_features: usize,
    out_features: usize,
}

impl Linear {
    fn forward(&self, x: &Array) -> Array {
        let y = self.weight.matmul(x);
        match &self.bias {
            Some(b) => y + b,
            None => y,
        }
    }
}

/// A linear layer whose leaves hold `start, start + 1, ...` in leaf order, like a layer made
/// from the PRNG key `start` (different starts give different weights).
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
enum Layer {
    Linear(Linear),
    Identity,
}

impl Layer {
    fn forward(&self, x: &Array) -> Array {
        match self {
            Layer::Linear(l) => l.forward(x),
            Layer::Identity => x.clone(),
        }
    }
}

/// `eqx.nn.MLP`: ReLU between layers, identity after the last.
#[derive(Module, Clone)]
struct Mlp {
    layers: Vec<Layer>,
}

impl Mlp {
    fn forward(&self, x: &Array) -> Array {
        let (last, hidden) = self.layers.split_last().unwrap();
        let x = hidden
            .iter()
            .fold(x.clone(), |x, l| eqx::nn::relu(&l.forward(&x)));
        last.forward(&x)
    }
}

/// `eqx.nn.MLP(2, 2, 2, 2)`: three 2x2 layers.
fn mlp() -> Mlp {
    Mlp {
        layers: (0..3)
            .map(|i| Layer::Linear(linear(2, 2, -3.0 + i as f32)))
            .collect(),
    }
}

fn f32s(x: &Array) -> Vec<f32> {
    x.to_vec()
}

/// `[1, 2, {"a": jnp.array([1.0, 2.0])}, eqx.nn.Linear(1, 2)]`.
type Tree = (usize, usize, BTreeMap<&'static str, Array>, Linear);

fn pytree(start: f32) -> Tree {
    let a = Array::from_vec(vec![1.0f32, 2.0], [2]);
    (1, 2, BTreeMap::from([("a", a)]), linear(1, 2, start))
}

#[test]
fn test_tree_at_replace() {
    let t = pytree(0.0);
    let key2 = linear(1, 2, 10.0);

    // where1 = lambda tree: tree[2]["a"] (Python replaces it with "hi"; here another array,
    // of another shape).
    let hi = Array::from_vec(vec![7i32, 8, 9], [3]);
    let t1 = eqx::tree_at(|t: &mut Tree| t.2.get_mut("a").unwrap(), &t, hi.clone());
    assert!(t1.2["a"].ptr_eq(&hi));
    assert_eq!((t1.0, t1.1), (1, 2));
    assert!(tree::tree_equal(&t1.3, &t.3));
    assert!(t1.3.weight.ptr_eq(&t.3.weight));

    // where2 = lambda tree: (tree[3].weight, tree[3].bias), replaced by another layer's.
    let t2 = eqx::tree_at_many(
        |t: &mut Tree| vec![&mut t.3.weight, t.3.bias.as_mut().unwrap()],
        &t,
        vec![key2.weight.clone(), key2.bias.clone().unwrap()],
    );
    assert!(tree::tree_equal(&t2.3, &key2));
    assert_eq!(f32s(&t2.3.weight), [10.0, 11.0]);
    assert_eq!(f32s(t2.3.bias.as_ref().unwrap()), [12.0, 13.0]);
    assert!(t2.2["a"].ptr_eq(&t.2["a"]));
    assert_eq!((t2.0, t2.1), (1, 2));

    // where3 = lambda tree: (tree[0], tree[2]["a"]), nodes of two types: one call per type.
    let t3 = eqx::tree_at(|t: &mut Tree| &mut t.0, &t, 5);
    let t3 = eqx::tree_at(
        |t: &mut Tree| t.2.get_mut("a").unwrap(),
        &t3,
        Array::scalar(4i32),
    );
    assert_eq!(t3.0, 5);
    assert_eq!(t3.2["a"].item::<i32>(), 4);
    assert!(tree::tree_equal(&t3.3, &t.3));

    // The original is untouched throughout.
    assert!(tree::tree_equal(&t, &pytree(0.0)));
}

#[test]
#[should_panic(
    expected = "tree_at_many: the selector returned 2 nodes but 3 replacements were given"
)]
fn test_tree_at_replace_wrong_count() {
    // eqx.tree_at(where3, pytree, replace=(3, 4, 5)) raises ValueError.
    let t = pytree(0.0);
    eqx::tree_at_many(|t: &mut Tree| vec![&mut t.0, &mut t.1], &t, vec![3, 4, 5]);
}

#[test]
#[should_panic(
    expected = "tree_at_many: the selector returned 3 nodes but 1 replacements were given"
)]
fn test_tree_at_replace_too_few() {
    let v = vec![jnp::ones([1]); 3];
    eqx::tree_at_many(
        |v: &mut Vec<Array>| v.iter_mut().collect(),
        &v,
        vec![jnp::zeros([1])],
    );
}

#[test]
fn test_tree_at_replace_fn() {
    // pytree = [1, 2, 3, {"a": ...}, Linear]; where = (tree[0], tree[1]); ints become
    // "found an int" (here: negated).
    type T = (usize, usize, usize, BTreeMap<&'static str, Array>, Linear);
    let (_, _, a, lin) = pytree(0.0);
    let t: T = (1, 2, 3, a, lin);
    let t1 = eqx::tree_at_many_with(|t: &mut T| vec![&mut t.0, &mut t.1], &t, |n| n + 100);
    assert_eq!((t1.0, t1.1, t1.2), (101, 102, 3));
    assert!(t1.3["a"].ptr_eq(&t.3["a"]));
    assert!(tree::tree_equal(&t1.4, &t.4));
    // On leaves: replace_fn sees the node it replaces.
    let t2 = eqx::tree_at_with(|t: &mut T| &mut t.4.weight, &t, |w| w * 2.0 + 1.0);
    assert_eq!(f32s(&t2.4.weight), [1.0, 3.0]);
    assert!(t2
        .4
        .bias
        .as_ref()
        .unwrap()
        .ptr_eq(t.4.bias.as_ref().unwrap()));
    // replace_fn runs once per selected node, in the selector's order.
    let mut seen = Vec::new();
    let t3 = eqx::tree_at_many_with(
        |t: &mut T| vec![&mut t.2, &mut t.0],
        &t,
        |n| {
            seen.push(*n);
            0
        },
    );
    assert_eq!(seen, [3, 1]);
    assert_eq!((t3.0, t3.1, t3.2), (0, 2, 0));
}

#[test]
fn test_tree_at_subtree() {
    let m = mlp();
    let x = Array::from_vec(vec![-1.5f32, 2.0], [2]);
    let relu_x = [0.0f32, 2.0];
    assert_ne!(f32s(&m.forward(&x)), relu_x);

    // m.layers is a node in the tree.
    let new1 = eqx::tree_at(|m: &mut Mlp| &mut m.layers, &m, vec![Layer::Identity; 3]);
    // The layers one by one (`tuple(m.layers)`).
    let new2 = eqx::tree_at_many(
        |m: &mut Mlp| m.layers.iter_mut().collect(),
        &m,
        vec![Layer::Identity; 3],
    );
    assert_eq!(f32s(&new1.forward(&x)), relu_x);
    assert_eq!(f32s(&new2.forward(&x)), relu_x);
    assert_eq!(tree::num_leaves(&new1), 0);
    assert_eq!(tree::num_leaves(&m), 6);
    // Replacing a sequence node may change its length, so the structure.
    let shorter = eqx::tree_at(|m: &mut Mlp| &mut m.layers, &m, vec![Layer::Identity]);
    assert_eq!(shorter.layers.len(), 1);
    assert_ne!(tree::structure(&shorter), tree::structure(&m));
    // A sub-module: the middle layer becomes another Linear.
    let new3 = eqx::tree_at(
        |m: &mut Mlp| &mut m.layers[1],
        &m,
        Layer::Linear(linear(2, 2, 50.0)),
    );
    let Layer::Linear(l) = &new3.layers[1] else {
        panic!("layer 1 is a Linear")
    };
    assert_eq!(f32s(&l.weight), [50.0, 51.0, 52.0, 53.0]);
    assert!(tree::tree_equal(&new3.layers[0], &m.layers[0]));
    assert!(tree::tree_equal(&new3.layers[2], &m.layers[2]));
}

#[test]
fn test_tree_at_dependent_where() {
    // Equinox refuses a `where` that depends on the leaves, since it finds nodes by identity.
    // A Rust selector returns the place itself, so one that looks at the leaves is fine: here
    // it picks the layer whose weight has the largest sum.
    let m = mlp();
    let total = |l: &Layer| match l {
        Layer::Linear(l) => l.weight.sum(None).item::<f32>(),
        Layer::Identity => f32::NEG_INFINITY,
    };
    let new = eqx::tree_at(
        |m: &mut Mlp| {
            let best = (0..m.layers.len())
                .max_by(|&i, &j| total(&m.layers[i]).total_cmp(&total(&m.layers[j])))
                .unwrap();
            &mut m.layers[best]
        },
        &m,
        Layer::Identity,
    );
    assert!(matches!(new.layers[2], Layer::Identity));
    assert!(matches!(new.layers[0], Layer::Linear(_)));
    assert!(matches!(new.layers[1], Layer::Linear(_)));
}

#[test]
fn test_tree_at_none_leaf() {
    // eqx.tree_at(lambda y: y[0], (None, None, 0), True, is_leaf=lambda y: y is None)
    // == (True, None, 0); without is_leaf Equinox cannot tell the Nones apart, Rust can.
    type T = (Option<Array>, Option<Array>, usize);
    let t: T = (None, None, 0);
    let x = eqx::tree_at(|y: &mut T| &mut y.0, &t, Some(Array::scalar(true)));
    assert!(x.0.as_ref().unwrap().item::<bool>());
    assert!(x.1.is_none());
    assert_eq!(x.2, 0);
    assert!(t.0.is_none());
    assert_eq!(tree::num_leaves(&x), 1);
}

#[test]
fn test_tree_at_empty_tuple() {
    // Empty containers are distinct nodes: filling one leaves the other empty.
    type T = (Vec<Array>, Vec<Array>, ());
    let t: T = (vec![], vec![], ());
    let x = eqx::tree_at(|t: &mut T| &mut t.1, &t, vec![jnp::ones([2])]);
    assert!(x.0.is_empty());
    assert_eq!(x.1.len(), 1);
    assert_eq!(f32s(&x.1[0]), [1.0, 1.0]);
    let y = eqx::tree_at(|t: &mut T| &mut t.2, &x, ());
    assert!(tree::tree_equal(&x, &y));
}

#[test]
fn tree_at_reaches_static_fields_and_shared_nodes() {
    // A static field is an ordinary field (how `inference_mode` will set flags).
    let lin = linear(2, 3, 0.0);
    let wider = eqx::tree_at(|l: &mut Linear| &mut l.in_features, &lin, 9);
    assert_eq!(wider.in_features, 9);
    assert_eq!(lin.in_features, 2);
    assert!(wider.weight.ptr_eq(&lin.weight));
    assert!(!tree::tree_equal(&wider, &lin));

    // Behind an `Arc`, `make_mut` copies a shared node, so other holders keep the old one.
    type T = (Arc<Linear>, Arc<Linear>);
    let shared = Arc::new(linear(1, 1, 0.0));
    let t: T = (shared.clone(), shared.clone());
    let new = eqx::tree_at(
        |t: &mut T| &mut Arc::make_mut(&mut t.0).weight,
        &t,
        Array::from_vec(vec![5.0f32], [1, 1]),
    );
    assert_eq!(f32s(&new.0.weight), [5.0]);
    assert_eq!(f32s(&new.1.weight), [0.0]);
    assert_eq!(f32s(&shared.weight), [0.0]);
    assert!(Arc::ptr_eq(&new.1, &shared));
}

#[test]
fn tree_at_keeps_every_other_leaf() {
    // Only the selected node changes: every other leaf is the same buffer.
    let m = mlp();
    let new = eqx::tree_at_with(
        |m: &mut Mlp| match &mut m.layers[1] {
            Layer::Linear(l) => l.bias.as_mut().unwrap(),
            Layer::Identity => panic!("layer 1 is a Linear"),
        },
        &m,
        |b| b * 0.0,
    );
    let (old, fresh) = (tree::leaves_with_path(&m), tree::leaves_with_path(&new));
    assert_eq!(old.len(), fresh.len());
    for ((p, a), (q, b)) in old.iter().zip(&fresh) {
        assert_eq!(p, q);
        let changed = p.to_string() == "layers[1].bias";
        assert_eq!(!a.ptr_eq(b), changed, "{p}");
        if changed {
            assert_eq!(f32s(b), [0.0, 0.0]);
        }
    }
    assert_eq!(new.num_leaves(), 6);
}

#[test]
fn test_tree_equal() {
    // pytree = [1, 2, 3, {"a": jnp.array([1.0, 2.0])}, eqx.nn.Linear(1, 2, key)].
    type T = (usize, usize, usize, BTreeMap<&'static str, Array>, Linear);
    let make = |third: usize, a: [f32; 2], start: f32| -> T {
        let a = Array::from_vec(a.to_vec(), [2]);
        (1, 2, third, BTreeMap::from([("a", a)]), linear(1, 2, start))
    };
    let pytree1 = make(3, [1.0, 2.0], 0.0);
    let pytree2 = make(3, [1.0, 2.0], 0.0);
    let pytree3 = make(3, [1.0, 2.0], 1.0);
    let pytree4 = make(3, [1.0, 4.0], 0.0);
    let pytree5 = make(4, [1.0, 2.0], 0.0);
    assert!(eqx::tree_equal(&pytree1, &pytree1));
    assert!(eqx::tree_equal(&pytree1, &pytree2));
    assert!(!eqx::tree_equal(&pytree1, &pytree3));
    assert!(!eqx::tree_equal(&pytree1, &pytree4));
    assert!(!eqx::tree_equal(&pytree1, &pytree5));
    // Shapes and dtypes are compared, as well as values (Equinox returns False on a
    // shape or dtype mismatch).
    let reshaped = eqx::tree_at(
        |t: &mut T| &mut t.4.weight,
        &pytree1,
        pytree1.4.weight.reshape([1, 2]),
    );
    assert!(!eqx::tree_equal(&pytree1, &reshaped));
    let as_f64 = eqx::tree_at_with(
        |t: &mut T| &mut t.4.weight,
        &pytree1,
        |w| w.astype(eqx::DType::F64),
    );
    assert!(!eqx::tree_equal(&pytree1, &as_f64));
    // Different structure: an extra dict entry.
    let extra = eqx::tree_at_with(
        |t: &mut T| &mut t.3,
        &pytree1,
        |d| {
            let mut d = d.clone();
            d.insert("b", jnp::zeros([1]));
            d
        },
    );
    assert!(!eqx::tree_equal(&pytree1, &extra));
    // With a tolerance (`eqx.tree_equal(..., rtol, atol)`).
    let nudged = eqx::tree_at_with(
        |t: &mut T| t.3.get_mut("a").unwrap(),
        &pytree1,
        |a| a + 1e-6,
    );
    assert!(!eqx::tree_equal(&pytree1, &nudged));
    assert!(eqx::tree_allclose(&pytree1, &nudged, 1e-5, 1e-8));
}
