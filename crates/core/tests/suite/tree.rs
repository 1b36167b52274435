//! The PyTree impls of the standard types and the functions of `equinox_core::tree`
//! (`jax.tree_util` behaviour: leaf order, paths, structure, mapping, equality, printing).
use crate::common;

use common::{random_array, Rng};
use equinox_core::tree::{self, KeyPath, PathKey, PrettyOptions, PyTree, Static};
use equinox_core::{numpy as jnp, Array, DType, ShapeDtype};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

fn s(v: f32) -> Array {
    Array::scalar(v)
}

fn values<T: PyTree>(t: &T) -> Vec<f32> {
    tree::leaves(t).iter().map(|l| l.item::<f32>()).collect()
}

fn paths<T: PyTree>(t: &T) -> Vec<String> {
    tree::leaves_with_path(t)
        .iter()
        .map(|(p, _)| p.to_string())
        .collect()
}

fn hash_of<T: PyTree>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash_static(&mut h);
    h.finish()
}

fn hash_def<T: Hash>(t: &T) -> u64 {
    let mut h = DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

#[test]
fn leaf_order_is_depth_first() {
    let t = (
        s(0.0),
        vec![(s(1.0), Some(s(2.0))), (s(3.0), None)],
        [Box::new(s(4.0)), Box::new(s(5.0))],
        Arc::new((s(6.0),)),
    );
    assert_eq!(values(&t), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(
        paths(&t),
        [".0", ".1[0].0", ".1[0].1", ".1[1].0", ".2[0]", ".2[1]", ".3.0"]
    );
    assert_eq!(t.num_leaves(), 7);
    assert_eq!(tree::num_leaves(&t), 7);
}

#[test]
fn maps_are_ordered_by_key() {
    let mut h: HashMap<String, Array> = HashMap::new();
    for (k, v) in [("zeta", 2.0), ("alpha", 0.0), ("mid", 1.0)] {
        h.insert(k.to_string(), s(v));
    }
    assert_eq!(values(&h), [0.0, 1.0, 2.0]);
    assert_eq!(paths(&h), [r#"["alpha"]"#, r#"["mid"]"#, r#"["zeta"]"#]);
    let b: BTreeMap<i32, Array> = BTreeMap::from([(3, s(1.0)), (-1, s(0.0))]);
    assert_eq!(values(&b), [0.0, 1.0]);
    assert_eq!(paths(&b), ["[-1]", "[3]"]);
    // Rebuilding keeps each value with its key.
    let h2 = tree::map(&h, |x| x * 10.0);
    assert_eq!(h2["zeta"].item::<f32>(), 20.0);
    assert_eq!(h2["alpha"].item::<f32>(), 0.0);
    // The key set is structure; two maps with the same keys hash equally whatever the
    // insertion order.
    let mut h3: HashMap<String, Array> = HashMap::new();
    for (k, v) in [("mid", 5.0), ("zeta", 6.0), ("alpha", 7.0)] {
        h3.insert(k.to_string(), s(v));
    }
    assert!(h.static_eq(&h3));
    assert_eq!(hash_of(&h), hash_of(&h3));
    h3.remove("mid");
    assert_eq!(
        h.static_diff(&h3).unwrap().to_string(),
        r#"at the root: map keys differ: ["alpha", "mid", "zeta"] != ["alpha", "zeta"]"#
    );
}

#[test]
fn static_values_are_structure_not_leaves() {
    fn double(x: &Array) -> Array {
        x * 2.0
    }
    fn triple(x: &Array) -> Array {
        x * 3.0
    }
    let a = (
        1u8,
        -2i64,
        0.5f32,
        0.25f64,
        true,
        'c',
        String::from("s"),
        "str",
        (),
        DType::F32,
        double as fn(&Array) -> Array,
        s(1.0),
    );
    assert_eq!(tree::leaves(&a).len(), 1);
    let b = tree::map(&a, |x| x + 1.0);
    assert!(a.static_eq(&b));
    assert_eq!(hash_of(&a), hash_of(&b));
    assert_eq!((b.10)(&b.11).item::<f32>(), 4.0);
    let mut c = a.clone();
    c.10 = triple;
    assert_eq!(
        a.static_diff(&c).unwrap().path(),
        KeyPath::from(vec![PathKey::Position(10)])
    );
    let mut d = a.clone();
    d.2 = 0.75;
    assert_eq!(
        a.static_diff(&d).unwrap().to_string(),
        "at `.2`: static values differ: 0.5 != 0.75"
    );
    assert_ne!(hash_of(&a), hash_of(&d));
    // Floats compare by bit pattern, so hashing agrees with equality.
    assert!(f32::NAN.static_eq(&f32::NAN));
    assert!(!0.0f64.static_eq(&-0.0));
}

#[test]
fn shapes_are_not_structure_but_lengths_are() {
    let a = vec![jnp::zeros([2]), jnp::zeros([3, 3])];
    let b = vec![jnp::ones([7]), jnp::ones([1])];
    assert!(a.static_eq(&b));
    assert_eq!(tree::structure(&a), tree::structure(&b));
    assert_eq!(
        hash_def(&tree::structure(&a)),
        hash_def(&tree::structure(&b))
    );
    let c = vec![jnp::ones([7])];
    assert_ne!(tree::structure(&a), tree::structure(&c));
    assert_eq!(
        a.static_diff(&c).unwrap().to_string(),
        "at the root: sequence lengths differ: 2 != 1"
    );
    let o1 = (Some(s(1.0)), 1usize);
    let o2 = (None, 1usize);
    assert_eq!(
        o2.static_diff(&o1).unwrap().to_string(),
        "at `.0`: `None` in the first tree, `Some` in the other"
    );
}

#[test]
fn flatten_unflatten_random_trees() {
    let mut rng = Rng::new(7);
    for _ in 0..20 {
        let n = rng.range(0, 6) as usize;
        let t: Vec<(Array, Option<Array>, usize)> = (0..n)
            .map(|i| {
                let shape = rng.shape(2, 3);
                let a = random_array(&mut rng, &shape, DType::F32);
                let b = (rng.range(0, 2) == 1).then(|| random_array(&mut rng, &[2], DType::I32));
                (a, b, i)
            })
            .collect();
        let (leaves, def) = tree::flatten(&t);
        assert_eq!(leaves.len(), def.num_leaves());
        assert_eq!(leaves.len(), tree::leaves(&t).len());
        let back = tree::unflatten(&def, leaves.clone());
        assert!(tree::tree_equal(&t, &back));
        let again = tree::rebuild(&t, leaves);
        assert!(tree::tree_equal(&t, &again));
        for (x, y) in tree::leaves(&t).iter().zip(tree::leaves(&back)) {
            assert!(x.ptr_eq(y), "unflatten must reuse the leaf buffers");
        }
    }
}

#[test]
#[should_panic(expected = "tree::unflatten: the structure has 2 leaves but 1 were given")]
fn unflatten_too_few_leaves() {
    let def = tree::structure(&(s(0.0), s(1.0)));
    tree::unflatten(&def, [s(5.0)]);
}

#[test]
#[should_panic(expected = "tree::rebuild: the structure has 1 leaves but 3 were given")]
fn rebuild_too_many_leaves() {
    tree::rebuild(&vec![s(0.0)], [s(1.0), s(2.0), s(3.0)]);
}

#[test]
#[should_panic(
    expected = "tree::map2: tree 1 does not have the structure of tree 0; they differ at `.1[\"b\"]`: `Some` in the first tree, `None` in the other"
)]
fn map2_mismatch_names_the_path() {
    let a = (
        s(0.0),
        BTreeMap::from([("a", Some(s(1.0))), ("b", Some(s(2.0)))]),
    );
    let b = (s(0.0), BTreeMap::from([("a", Some(s(1.0))), ("b", None)]));
    tree::map2(&a, &b, |x, _| x.clone());
}

#[test]
#[should_panic(expected = "tree::map_n: needs at least one tree")]
fn map_n_needs_a_tree() {
    tree::map_n::<Vec<Array>>(&[], |xs| xs[0].clone());
}

#[test]
fn arrays_and_tuples_of_twelve() {
    let arr: [Array; 4] = std::array::from_fn(|i| s(i as f32));
    let mapped = tree::map(&arr, |x| x * 2.0);
    assert_eq!(values(&mapped), [0.0, 2.0, 4.0, 6.0]);
    assert_eq!(paths(&arr), ["[0]", "[1]", "[2]", "[3]"]);
    let t12 = (
        s(0.0),
        s(1.0),
        s(2.0),
        s(3.0),
        s(4.0),
        s(5.0),
        s(6.0),
        s(7.0),
        s(8.0),
        s(9.0),
        s(10.0),
        s(11.0),
    );
    let t12 = tree::map(&t12, |x| x + 1.0);
    assert_eq!(values(&t12), (1..=12).map(|i| i as f32).collect::<Vec<_>>());
    assert_eq!(paths(&t12)[11], ".11");
}

#[test]
fn map_with_path_and_map_n() {
    let t = BTreeMap::from([("w", s(1.0)), ("b", s(2.0))]);
    let t2 = tree::map_with_path(&t, |p, x| {
        if p.keys() == [PathKey::Key("\"w\"".into())] {
            x * 100.0
        } else {
            x.clone()
        }
    });
    assert_eq!(values(&t2), [2.0, 100.0]);
    let ts = [t.clone(), t2.clone(), t2];
    let refs: Vec<&BTreeMap<&str, Array>> = ts.iter().collect();
    let sum = tree::map_n(&refs, |xs| {
        xs.iter().skip(1).fold(xs[0].clone(), |a, x| a + *x)
    });
    assert_eq!(values(&sum), [6.0, 201.0]);
}

#[test]
fn filtered_out_leaves() {
    let aval = ShapeDtype::new([2, 3], DType::F32);
    let t = (s(1.0), Array::filtered_out(aval.clone()), vec![s(2.0)]);
    assert_eq!(values(&t), [1.0, 2.0]);
    assert_eq!(paths(&t), [".0", ".2[0]"]);
    assert_eq!(tree::num_leaves(&t), 2);
    assert_eq!(t.num_leaves(), 3);
    let mut calls = 0;
    let m = tree::map(&t, |x| {
        calls += 1;
        x * 2.0
    });
    assert_eq!(calls, 2);
    assert!(m.1.is_filtered_out());
    assert_eq!(m.1.aval(), &aval);
    let (leaves, def) = tree::flatten(&t);
    assert_eq!(leaves.len(), 2);
    assert_eq!(format!("{def:?}"), "PyTreeDef((*, None, [*]))");
    let back = tree::unflatten(&def, leaves);
    assert!(back.1.is_filtered_out());
    assert!(tree::tree_equal(&t, &back));
    // Filtering is structure.
    let full = (s(1.0), jnp::zeros([2, 3]), vec![s(2.0)]);
    assert_ne!(tree::structure(&full), def);
    assert!(!def.matches(&full));
    assert!(def.matches(&t));
    assert_ne!(hash_def(&tree::structure(&full)), hash_def(&def));
    assert_eq!(tree::tree_pformat(&t), "(f32[], None, [f32[]])");
}

#[test]
#[should_panic(expected = "is a filtered-out leaf")]
fn computing_with_a_filtered_out_leaf_panics() {
    let t = vec![Array::filtered_out(ShapeDtype::new([2], DType::F32))];
    // `map` skips it; the raw trait method does not, and arithmetic on it panics.
    t.map_leaves(&mut |x| x + 1.0);
}

#[test]
fn tree_equal_and_allclose() {
    let mut rng = Rng::new(3);
    for dtype in [DType::F32, DType::F64, DType::BF16, DType::I32, DType::Bool] {
        let a = (random_array(&mut rng, &[3, 2], dtype), 4usize);
        assert!(tree::tree_equal(&a, &a.clone()), "{dtype}");
        let other = (random_array(&mut rng, &[3, 2], dtype), 4usize);
        let differs = a.0.to_vec::<f64>() != other.0.to_vec::<f64>();
        assert_eq!(tree::tree_equal(&a, &other), !differs, "{dtype}");
        assert!(!tree::tree_equal(&a, &(a.0.clone(), 5)));
    }
    let x = vec![Array::from_vec(vec![1.0f32, 100.0], [2])];
    let y = vec![Array::from_vec(vec![1.001f32, 100.05], [2])];
    // |1 - 1.001| = 1e-3 needs atol or rtol >= ~1e-3; |100 - 100.05| = 0.05 <= 1e-3 * 100.05.
    assert!(tree::tree_allclose(&x, &y, 1e-3, 1e-6));
    assert!(!tree::tree_allclose(&x, &y, 1e-4, 1e-6));
    assert!(tree::tree_allclose(&x, &y, 0.0, 0.06));
    assert!(!tree::tree_allclose(&x, &y, 0.0, 0.01));
    let inf = vec![Array::from_vec(vec![f32::INFINITY, f32::NEG_INFINITY], [2])];
    let inf2 = vec![Array::from_vec(vec![f32::INFINITY, f32::INFINITY], [2])];
    assert!(tree::tree_allclose(&inf, &inf, 1.0, 1.0));
    assert!(!tree::tree_allclose(&inf, &inf2, 1.0, 1.0));
}

#[test]
fn pretty_printing_of_containers() {
    let t = (
        BTreeMap::from([("a", jnp::zeros([3]))]),
        vec![1.5f64, -2.0],
        Some("x"),
        None::<Array>,
        Static(vec![1u8]),
        (),
        (s(1.0),),
    );
    assert_eq!(
        tree::tree_pformat(&t),
        r#"({"a": f32[3]}, [1.5, -2.0], "x", None, [1], (), (f32[],))"#
    );
    let narrow = PrettyOptions {
        width: 10,
        indent: 4,
        ..PrettyOptions::default()
    };
    assert_eq!(
        tree::tree_pformat_with(&vec![jnp::zeros([3]), jnp::zeros([4])], &narrow),
        "[\n    f32[3],\n    f32[4]\n]"
    );
    let full = PrettyOptions {
        short_arrays: false,
        ..PrettyOptions::default()
    };
    let x = Array::from_vec(vec![1.0f32, 2.0], [2]);
    assert_eq!(
        tree::tree_pformat_with(&(x.clone(),), &full),
        format!("({x:?},)")
    );
    assert_eq!(tree::array_summary(&Array::weak_scalar(1i32)), "weak_i32[]");
    assert_eq!(
        tree::array_summary(&jnp::zeros_dtype([2, 0, 1], DType::U8)),
        "u8[2,0,1]"
    );
}

#[test]
fn pformat_doc_handles_multiline_text() {
    // A text containing a newline continues at the column where it started, as in
    // wadler_lindig.
    use tree::{bracketed, pformat_doc, Doc};
    let doc = bracketed(
        Doc::text("f("),
        vec![Doc::text("ab\ncd"), Doc::text("e")],
        Doc::text(")"),
        2,
    );
    assert_eq!(pformat_doc(&doc, 80), "f(ab\n  cd, e)");
}
