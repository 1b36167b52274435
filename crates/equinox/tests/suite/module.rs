//! `#[derive(Module)]`: ports of the behaviours of Equinox's `test_module.py` and
//! `test_tree.py` that apply to Rust (field order, static fields, nested and generic modules,
//! `None` fields, enums, paths, equality with tolerance, structure mismatches), and the
//! pretty-printer against goldens from `eqx.tree_pformat` (`parity/tree_pformat.py`).

use equinox as eqx;
use eqx::tree::{self, PyTree, Static};
use eqx::{numpy as jnp, Array, DType, Module, Shape};
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::Hasher;

#[derive(Module, Clone)]
#[module(debug)]
struct Linear {
    weight: Array,
    bias: Option<Array>,
    in_features: usize,
    out_features: usize,
}

fn linear(i: usize, o: usize, bias: bool) -> Linear {
    Linear {
        weight: jnp::zeros([o, i]),
        bias: bias.then(|| jnp::zeros([o])),
        in_features: i,
        out_features: o,
    }
}

#[derive(Module, Clone)]
#[module(debug)]
struct Mlp {
    layers: Vec<Linear>,
    depth: usize,
}

#[derive(Module, Clone)]
#[module(debug)]
struct Block {
    norm: (Array, Array),
    cache: BTreeMap<usize, Array>,
    extra: Option<Array>,
    scale: f32,
}

#[derive(Module, Clone)]
#[module(debug)]
struct Empty;

fn hash_of<T: PyTree>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash_static(&mut h);
    h.finish()
}

fn paths<T: PyTree>(t: &T) -> Vec<String> {
    tree::leaves_with_path(t)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect()
}

/// A tree whose leaves are 0-d f32 arrays 0, 1, 2, ... in leaf order.
fn numbered<T: PyTree>(t: &T) -> T {
    let mut i = 0.0f32;
    tree::map(t, |_| {
        i += 1.0;
        Array::scalar(i - 1.0)
    })
}

fn values<T: PyTree>(t: &T) -> Vec<f32> {
    tree::leaves(t).iter().map(|l| l.item::<f32>()).collect()
}

#[test]
fn leaves_follow_field_declaration_order() {
    #[derive(Module)]
    struct Ordered {
        c: Array,
        a: Array,
        b: (Array, Array),
    }
    let m = Ordered {
        c: Array::scalar(0.0f32),
        a: Array::scalar(1.0f32),
        b: (Array::scalar(2.0f32), Array::scalar(3.0f32)),
    };
    assert_eq!(values(&m), vec![0.0, 1.0, 2.0, 3.0]);
    assert_eq!(paths(&m), ["c", "a", "b.0", "b.1"]);
}

#[test]
fn static_fields_are_not_leaves_but_are_structure() {
    #[derive(Module, Clone)]
    struct WithStatic {
        x: Array,
        #[module(static)]
        frozen: Vec<i64>,
        name: &'static str,
        activation: fn(&Array) -> Array,
    }
    fn neg(x: &Array) -> Array {
        -x
    }
    fn exp(x: &Array) -> Array {
        x.exp()
    }
    let m = WithStatic {
        x: jnp::ones([2]),
        frozen: vec![1, 2],
        name: "w",
        activation: neg,
    };
    assert_eq!(tree::leaves(&m).len(), 1);
    let m2 = tree::map(&m, |x| x * 3.0);
    assert_eq!(m2.frozen, vec![1, 2]);
    assert_eq!(m2.name, "w");
    assert_eq!((m2.activation)(&m2.x).to_vec::<f32>(), vec![-3.0, -3.0]);
    assert!(m.static_eq(&m2));
    assert_eq!(hash_of(&m), hash_of(&m2));

    let other_static = WithStatic {
        frozen: vec![1, 3],
        ..m.clone()
    };
    let d = m.static_diff(&other_static).expect("static fields differ");
    assert_eq!(d.path().to_string(), "frozen");
    assert_eq!(d.what(), "static values differ: [1, 2] != [1, 3]");
    assert_ne!(hash_of(&m), hash_of(&other_static));

    let other_fn = WithStatic {
        activation: exp,
        ..m.clone()
    };
    assert!(!m.static_eq(&other_fn));
    assert_eq!(
        m.static_diff(&other_fn).unwrap().path().to_string(),
        "activation"
    );
}

#[test]
fn static_attribute_and_static_wrapper() {
    // `#[module(static)]` (Equinox's `eqx.field(static=True)`) and `Static<T>` make a value of
    // any `Clone + Hash + Eq + Debug` type static structure: compared, hashed and printed as a
    // whole.
    #[derive(Clone, Debug, Hash, PartialEq, Eq)]
    enum Padding {
        Same,
        Valid,
    }
    #[derive(Module, Clone)]
    struct Conv {
        kernel: Array,
        #[module(static)]
        padding: Padding,
        stride: Static<(usize, usize)>,
    }
    let c = Conv {
        kernel: jnp::zeros([3, 3]),
        padding: Padding::Same,
        stride: Static((1, 2)),
    };
    assert_eq!(tree::leaves(&c).len(), 1);
    assert_eq!(
        tree::tree_pformat(&c),
        "Conv(kernel=f32[3,3], padding=Same, stride=(1, 2))"
    );
    let c2 = Conv {
        padding: Padding::Valid,
        ..c.clone()
    };
    assert!(!tree::tree_equal(&c, &c2));
    assert_eq!(
        c.static_diff(&c2).unwrap().to_string(),
        "at `padding`: static values differ: Same != Valid"
    );
}

#[test]
fn nested_modules_have_nested_paths() {
    let mlp = Mlp {
        layers: vec![linear(2, 3, true), linear(3, 3, false), linear(3, 1, true)],
        depth: 2,
    };
    assert_eq!(
        paths(&mlp),
        [
            "layers[0].weight",
            "layers[0].bias",
            "layers[1].weight",
            "layers[2].weight",
            "layers[2].bias"
        ]
    );
    let shapes: Vec<Vec<usize>> = tree::leaves(&mlp)
        .iter()
        .map(|l| l.shape().to_vec())
        .collect();
    assert_eq!(
        shapes,
        [vec![3, 2], vec![3], vec![3, 3], vec![1, 3], vec![1]]
    );
    // map_with_path sees the same paths, in the same order, and rebuilds the nesting.
    let mut seen = Vec::new();
    let m2 = tree::map_with_path(&mlp, |p, x| {
        seen.push(p.to_string());
        if p.to_string().ends_with("bias") {
            x + 1.0
        } else {
            x.clone()
        }
    });
    assert_eq!(seen, paths(&mlp));
    assert_eq!(m2.layers[2].bias.as_ref().unwrap().to_vec::<f32>(), [1.0]);
    assert_eq!(m2.layers[0].weight.to_vec::<f32>(), [0.0; 6]);
}

#[test]
fn none_fields_are_empty_subtrees() {
    let with = linear(3, 4, true);
    let without = linear(3, 4, false);
    assert_eq!(tree::leaves(&with).len(), 2);
    assert_eq!(tree::leaves(&without).len(), 1);
    assert_ne!(tree::structure(&with), tree::structure(&without));
    let d = with.static_diff(&without).unwrap();
    assert_eq!(
        d.to_string(),
        "at `bias`: `Some` in the first tree, `None` in the other"
    );
    assert_eq!(
        format!("{:?}", tree::structure(&without)),
        "PyTreeDef(Linear(weight=*, bias=None, in_features=3, out_features=4))"
    );
}

#[test]
fn generic_modules() {
    #[derive(Module, Clone)]
    #[module(debug)]
    struct Scaled<M> {
        inner: M,
        scale: Array,
    }
    #[derive(Module, Clone)]
    struct Pair<A, B>(A, B);
    // A type parameter used only in a static field needs the static bounds, not PyTree.
    #[derive(Module, Clone)]
    struct Tagged<K: Clone> {
        x: Array,
        #[module(static)]
        tag: K,
    }

    let s = Scaled {
        inner: linear(2, 2, true),
        scale: Array::scalar(2.0f32),
    };
    assert_eq!(paths(&s), ["inner.weight", "inner.bias", "scale"]);
    assert_eq!(
        format!("{s:?}"),
        "Scaled(\n  inner=Linear(weight=f32[2,2], bias=f32[2], in_features=2, out_features=2),\n  scale=f32[]\n)"
    );
    let p = Pair(s.clone(), vec![jnp::ones([1])]);
    assert_eq!(
        paths(&p),
        [".0.inner.weight", ".0.inner.bias", ".0.scale", ".1[0]"]
    );
    let p = numbered(&p);
    assert_eq!(values(&p), [0.0, 1.0, 2.0, 3.0]);
    let t = Tagged {
        x: jnp::ones([1]),
        tag: String::from("a"),
    };
    let u = Tagged {
        x: jnp::ones([1]),
        tag: String::from("b"),
    };
    assert_eq!(tree::leaves(&t).len(), 1);
    assert!(!t.static_eq(&u));
}

#[derive(Module, Clone)]
#[module(debug)]
enum Activation {
    Relu,
    LeakyRelu { slope: f32 },
    Custom(fn(&Array) -> Array),
}

#[derive(Module, Clone)]
#[module(debug)]
enum Node {
    Leaf(Array),
    Pair(Box<Node>, Box<Node>),
    Branch {
        children: Vec<Node>,
        act: Activation,
    },
}

#[test]
fn enums_variants_are_structure() {
    let a = Node::Branch {
        children: vec![
            Node::Leaf(Array::scalar(0.0f32)),
            Node::Pair(
                Box::new(Node::Leaf(Array::scalar(1.0f32))),
                Box::new(Node::Leaf(Array::scalar(2.0f32))),
            ),
        ],
        act: Activation::LeakyRelu { slope: 0.1 },
    };
    assert_eq!(values(&a), [0.0, 1.0, 2.0]);
    // One-field variants add no path key; multi-field ones use positions.
    assert_eq!(paths(&a), ["children[0]", "children[1].0", "children[1].1"]);
    assert_eq!(
        format!("{a:?}"),
        "Branch(\n  children=[Leaf(f32[]), Pair(Leaf(f32[]), Leaf(f32[]))],\n  act=LeakyRelu(slope=0.1)\n)"
    );
    let b = tree::map(&a, |x| x * 2.0);
    assert_eq!(values(&b), [0.0, 2.0, 4.0]);
    assert!(a.static_eq(&b));

    let c = Node::Branch {
        children: vec![
            Node::Leaf(Array::scalar(0.0f32)),
            Node::Leaf(Array::scalar(1.0f32)),
        ],
        act: Activation::Relu,
    };
    assert_eq!(
        a.static_diff(&c).unwrap().to_string(),
        "at `children[1]`: enum variants differ: Pair != Leaf"
    );
    let d = Node::Branch {
        children: match &a {
            Node::Branch { children, .. } => children.clone(),
            _ => unreachable!(),
        },
        act: Activation::LeakyRelu { slope: 0.2 },
    };
    assert_eq!(
        a.static_diff(&d).unwrap().to_string(),
        "at `act.slope`: static values differ: 0.1 != 0.2"
    );
    assert_ne!(hash_of(&a), hash_of(&d));
    assert_eq!(format!("{:?}", Activation::Relu), "Relu");
    assert_eq!(
        format!("{:?}", Activation::Custom(|x| x.clone())),
        "Custom(<function>)"
    );
}

#[test]
fn transparent_enum_of_layers() {
    #[derive(Module, Clone)]
    #[module(transparent, debug)]
    enum Layer {
        Linear(Linear),
        Activation(fn(&Array) -> Array),
    }
    #[derive(Module, Clone)]
    #[module(debug)]
    struct Sequential {
        layers: Vec<Layer>,
    }
    let s = Sequential {
        layers: vec![
            Layer::Linear(linear(2, 2, false)),
            Layer::Activation(|x| x.exp()),
            Layer::Linear(linear(2, 1, true)),
        ],
    };
    assert_eq!(
        paths(&s),
        ["layers[0].weight", "layers[2].weight", "layers[2].bias"]
    );
    assert_eq!(
        format!("{s:?}"),
        "Sequential(\n  layers=[\n    Linear(weight=f32[2,2], bias=None, in_features=2, out_features=2),\n    <function>,\n    Linear(weight=f32[1,2], bias=f32[1], in_features=2, out_features=1)\n  ]\n)"
    );
    let s2 = tree::rebuild(&s, tree::leaves(&s).iter().map(|x| *x + 1.0));
    match &s2.layers[2] {
        Layer::Linear(l) => assert_eq!(l.bias.as_ref().unwrap().to_vec::<f32>(), [1.0]),
        Layer::Activation(_) => panic!("variant changed"),
    }
}

#[test]
fn tuple_and_unit_structs() {
    #[derive(Module, Clone)]
    #[module(debug)]
    struct Wrapper(Array, usize);
    let w = Wrapper(jnp::zeros([2]), 5);
    assert_eq!(paths(&w), [".0"]);
    assert_eq!(format!("{w:?}"), "Wrapper(f32[2], 5)");
    assert_eq!(tree::map(&w, |x| x + 1.0).1, 5);
    assert_eq!(format!("{:?}", Empty), "Empty()");
    assert!(tree::leaves(&Empty).is_empty());
    assert!(Empty.static_eq(&Empty));
}

#[test]
fn flatten_unflatten_round_trip() {
    let mlp = numbered(&Mlp {
        layers: vec![linear(2, 3, true), linear(3, 1, false)],
        depth: 1,
    });
    let (leaves, def) = tree::flatten(&mlp);
    assert_eq!(def.num_leaves(), 3);
    assert_eq!(leaves.len(), 3);
    let back = tree::unflatten(&def, leaves.iter().rev().cloned());
    assert_eq!(values(&back), [2.0, 1.0, 0.0]);
    assert_eq!(back.depth, 1);
    assert_eq!(back.layers[1].out_features, 1);
    assert!(def.matches(&back));
    assert_eq!(tree::structure(&back), def);
}

#[test]
#[should_panic(
    expected = "tree::map2: tree 1 does not have the structure of tree 0; they differ at `layers`: sequence lengths differ: 2 != 1"
)]
fn map2_structure_mismatch_names_the_path() {
    let a = Mlp {
        layers: vec![linear(2, 3, true), linear(3, 1, true)],
        depth: 1,
    };
    let b = Mlp {
        layers: vec![linear(2, 3, true)],
        depth: 1,
    };
    tree::map2(&a, &b, |x, y| x + y);
}

#[test]
#[should_panic(
    expected = "tree::map_n: tree 2 does not have the structure of tree 0; they differ at `layers[0].in_features`: static values differ: 2 != 4"
)]
fn map_n_structure_mismatch_names_the_path() {
    let a = Mlp {
        layers: vec![linear(2, 3, true)],
        depth: 1,
    };
    let c = Mlp {
        layers: vec![linear(4, 3, true)],
        depth: 1,
    };
    tree::map_n(&[&a, &a, &c], |xs| xs[0].clone());
}

#[test]
fn map2_and_map_n_combine_leaves() {
    let a = numbered(&linear(1, 2, true));
    let b = tree::map(&a, |x| x * 10.0);
    let c = tree::map2(&a, &b, |x, y| x + y);
    assert_eq!(values(&c), [0.0, 11.0]);
    let d = tree::map_n(&[&a, &b, &c], |xs| &(xs[0] + &(xs[1] * 2.0)) - xs[2]);
    assert_eq!(values(&d), [0.0, 10.0]);
    assert_eq!(d.in_features, 1);
}

#[test]
fn tree_equal_exact_and_with_tolerance() {
    // test_tree.py::test_tree_equal / test_tree_allclose.
    let a = numbered(&linear(2, 2, true));
    let b = numbered(&linear(2, 2, true));
    assert!(tree::tree_equal(&a, &b));
    let c = tree::map(&b, |x| x + 1e-6);
    assert!(!tree::tree_equal(&a, &c));
    assert!(tree::tree_allclose(&a, &c, 1e-5, 1e-5));
    assert!(!tree::tree_allclose(&a, &c, 1e-9, 1e-9));
    // rtol scales with |b|: a difference of 1e-6 on a value of 2.0 passes rtol 1e-6.
    let x = vec![Array::scalar(2.0f32)];
    let y = vec![Array::scalar(2.0f32 + 2e-6)];
    assert!(!tree::tree_allclose(&x, &y, 1e-7, 0.0));
    assert!(tree::tree_allclose(&x, &y, 2e-6, 0.0));
    // Different static values, shapes or dtypes are never equal.
    assert!(!tree::tree_equal(&a, &numbered(&linear(2, 3, true))));
    let e = vec![jnp::zeros([2])];
    assert!(!tree::tree_equal(&e, &vec![jnp::zeros([3])]));
    assert!(!tree::tree_equal(
        &e,
        &vec![jnp::zeros_dtype([2], DType::F64)]
    ));
    // Integer leaves are compared exactly even with a tolerance; NaN is never equal.
    let i = vec![Array::from_vec(vec![1i32, 2], [2])];
    let j = vec![Array::from_vec(vec![1i32, 3], [2])];
    assert!(!tree::tree_allclose(&i, &j, 1.0, 1.0));
    let n = vec![Array::scalar(f32::NAN)];
    assert!(!tree::tree_equal(&n, &n));
    assert!(!tree::tree_allclose(&n, &n, 1.0, 1.0));
    let inf = vec![Array::scalar(f32::INFINITY)];
    assert!(tree::tree_allclose(&inf, &inf, 1e-5, 1e-8));
}

#[test]
fn filtered_out_leaves_are_skipped_and_kept() {
    let m = numbered(&linear(2, 2, true));
    let filtered = Linear {
        bias: Some(Array::filtered_out(m.bias.as_ref().unwrap().aval().clone())),
        ..m.clone()
    };
    assert_eq!(paths(&filtered), ["weight"]);
    assert_eq!(
        tree::tree_pformat(&filtered),
        "Linear(weight=f32[], bias=None, in_features=2, out_features=2)"
    );
    // map skips it; map2 keeps the first tree's leaf wherever either is filtered out.
    let doubled = tree::map(&filtered, |x| x * 2.0);
    assert!(doubled.bias.as_ref().unwrap().is_filtered_out());
    let updated = tree::map2(&m, &filtered, |p, g| p - g);
    assert_eq!(values(&updated), [0.0, 1.0]);
    // The filtered slot is part of the structure.
    assert_ne!(tree::structure(&m), tree::structure(&filtered));
    assert!(!tree::tree_equal(&m, &filtered));
    assert!(tree::tree_equal(&filtered, &filtered.clone()));
    let (leaves, def) = tree::flatten(&filtered);
    assert_eq!(leaves.len(), 1);
    assert!(tree::unflatten(&def, leaves)
        .bias
        .unwrap()
        .is_filtered_out());
}

#[test]
fn module_trait_is_pytree() {
    fn count<M: Module>(m: &M) -> usize {
        tree::num_leaves(m)
    }
    assert_eq!(count(&linear(2, 2, true)), 2);
    assert_eq!(eqx::tree_pformat(&Empty), "Empty()");
}

/// The Rust mirror of the golden tree `name`, formatted with `opts`.
fn render_golden_tree(name: &str, opts: &tree::PrettyOptions) -> String {
    match name {
        "linear" => tree::tree_pformat_with(&linear(3, 4, true), opts),
        "linear_nobias" => tree::tree_pformat_with(&linear(3, 4, false), opts),
        "mlp" => {
            let layers = vec![linear(2, 8, true), linear(8, 8, true), linear(8, 3, true)];
            tree::tree_pformat_with(&Mlp { layers, depth: 2 }, opts)
        }
        "block" => {
            let block = Block {
                norm: (jnp::ones([16]), jnp::zeros_dtype([16], DType::BF16)),
                cache: BTreeMap::from([
                    (0, jnp::zeros_dtype([2, 16], DType::I32)),
                    (1, jnp::zeros_dtype([2, 16], DType::U8)),
                ]),
                extra: None,
                scale: 0.5,
            };
            tree::tree_pformat_with(&block, opts)
        }
        "empty" => tree::tree_pformat_with(&Empty, opts),
        "weak" => {
            let t = (
                Array::weak_scalar(2.0f32),
                jnp::ones(Shape::scalar()),
                (jnp::zeros([0, 3]), (jnp::ones([2]),)),
            );
            tree::tree_pformat_with(&t, opts)
        }
        "list_of_ints" => {
            let t = vec![(0..12usize).collect::<Vec<_>>(), (0..30).collect()];
            tree::tree_pformat_with(&t, opts)
        }
        other => panic!("no Rust mirror for golden tree {other}"),
    }
}

#[test]
fn pformat_matches_equinox_goldens() {
    let golden = equinox_testing::Golden::load("tree_pformat");
    let cases = golden.section("cases");
    assert_eq!(cases.len(), 28);
    for case in cases.iter() {
        let name = case["name"].as_str().unwrap();
        let width = case["width"].as_u64().unwrap() as usize;
        let opts = tree::PrettyOptions {
            width,
            ..Default::default()
        };
        let expected = case["text"].as_str().unwrap();
        assert_eq!(
            render_golden_tree(name, &opts),
            expected,
            "tree {name} at width {width}"
        );
    }
    golden.assert_all_read();
}

#[test]
fn default_width_is_equinoxs_80() {
    // In Equinox 0.13.8, `eqx.tree_pformat(list(range(21)) + [9999])` is one line of exactly
    // 80 characters, and `list(range(21)) + [99999]` (81 characters) is broken one element a
    // line. The same must hold here with the default options.
    let fits: Vec<i64> = (0..21).chain([9999]).collect();
    let text = tree::tree_pformat(&fits);
    assert_eq!(text.len(), 80, "{text}");
    assert!(!text.contains('\n'), "{text}");
    let too_wide: Vec<i64> = (0..21).chain([99999]).collect();
    let text = tree::tree_pformat(&too_wide);
    assert!(text.starts_with("[\n  0,\n  1,\n"), "{text}");
}

#[test]
fn compile_fail_messages() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
