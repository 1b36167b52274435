//! Port of Equinox's `tests/test_jit.py` (`eqx.filter_jit`); tests are named after the Python
//! ones.
//!
//! Not ported, and why:
//! - Donation is `filter_jit_donate`, which takes the first argument by value (Rust's way of
//!   "deleting" a donated array: the caller cannot use it after the call). Ported:
//!   `test_buffer_donation_function` (the results occupy the donated buffers). Not ported:
//!   `..._function_except_first` (only the first argument can be donated), `..._method` and
//!   `..._instance` (no bound-method wrappers: a method is a function of the module) and
//!   `test_donation_warning` (an undonatable buffer is silently left alone, no warning).
//! - `test_args_kwargs`: Rust has no `*args`/`**kwargs`; ported as a map argument standing
//!   for the keyword arguments, plus static positional arguments returned as output.
//! - `test_aot_compilation(_kwargs)`: there is no separate `.lower()`/`.compile()` step;
//!   ported as `filter_make_jaxpr` (the lowered text) plus a `filter_jit` call.
//! - `test_methods`' `__call__` vs named-method distinction: Rust has only methods; the
//!   "outer"/"inner" cases are ported (`filter_jit(M::method)` built by the caller, or kept by
//!   the type).
//! - Python's `filter_jit` caches per function object, so `filter_jit(g)` built anew for each
//!   call shares one cache; in Rust the cache belongs to the wrapper, so these tests build the
//!   wrapper once and call it several times.

use equinox as eqx;
use eqx::nn;
use eqx::{numpy as jnp, random, tree, Array, DType, Module};
use std::cell::Cell;
use std::collections::BTreeMap;

fn normal(seed: u64, shape: &[usize]) -> Array {
    random::normal(random::key(seed), shape.to_vec(), DType::F32)
}

fn add_one<T: Module>(x: &T) -> T {
    tree::map(x, |l| l + 1.0)
}

#[derive(Module, Clone)]
struct Inner {
    a: Array,
    tuple: (f64, Array),
}

/// Python's `general_tree`: `[1, True, object(), {"a": a, "tuple": (2.0, b)}, c, MLP]`.
#[derive(Module, Clone)]
struct General {
    one: i64,
    flag: bool,
    object: String,
    dict: Inner,
    c: Array,
    mlp: nn::MLP,
}

#[test]
fn test_filter_jit() {
    let a = normal(1, &[2, 3]);
    let b = normal(2, &[3]);
    let c = normal(3, &[1, 4]);
    let general = General {
        one: 1,
        flag: true,
        object: "object()".into(),
        dict: Inner {
            a: a.clone(),
            tuple: (2.0, b.clone()),
        },
        c: c.clone(),
        mlp: nn::MLP::new(2, 2, 2, 2, random::key(4)),
    };
    let mlp_add = tree::map(&general.mlp, |l| l + 1.0);
    let array_tree: (BTreeMap<String, Array>, (Array,)) = (
        [("a".to_string(), a.clone()), ("b".to_string(), b.clone())].into(),
        (c.clone(),),
    );

    let f_array = eqx::filter_jit(add_one::<Array>);
    let f_arrays = eqx::filter_jit(add_one::<(BTreeMap<String, Array>, (Array,))>);
    let f_general = eqx::filter_jit(add_one::<General>);

    assert!(eqx::tree_equal(&f_array(&a), &(&a + 1.0)));
    let f1 = f_arrays(&array_tree);
    assert!(eqx::tree_equal(&f1.0["a"], &(&a + 1.0)));
    assert!(eqx::tree_equal(&f1.0["b"], &(&b + 1.0)));
    assert!(eqx::tree_equal(&f1.1 .0, &(&c + 1.0)));
    let f2 = f_general(&general);
    assert_eq!((f2.one, f2.flag, f2.object.as_str()), (1, true, "object()"));
    assert!(eqx::tree_equal(&f2.dict.a, &(&a + 1.0)));
    assert_eq!(f2.dict.tuple.0, 2.0);
    assert!(eqx::tree_equal(&f2.dict.tuple.1, &(&b + 1.0)));
    assert!(eqx::tree_equal(&f2.c, &(&c + 1.0)));
    assert!(eqx::tree_equal(&f2.mlp, &mlp_add));
    // The result is a working MLP (its static activation functions came back).
    let x = eqx::numpy::ones([2]);
    assert!(eqx::tree_equal(&f2.mlp.forward(&x), &mlp_add.forward(&x)));
}

/// One item of a list argument (Python lists mix arrays and other values).
#[derive(Module, Clone)]
enum Item {
    Array(Array),
    Flag(bool),
}

/// An argument that is either a bare array or a list (Python's `f` takes anything).
#[derive(Module, Clone)]
enum Arg {
    Array(Array),
    List(Vec<Item>),
}

/// A static value that is a bool or an int (Python's `True` / `2`).
#[derive(Module, Clone)]
enum Val {
    B(bool),
    I(i64),
}

#[test]
fn test_num_traces() {
    let num_traces = Cell::new(0);
    let f = eqx::filter_jit(|_: &Arg| num_traces.set(num_traces.get() + 1));
    f(&Arg::Array(jnp::zeros([2])));
    f(&Arg::Array(jnp::zeros([2])));
    assert_eq!(num_traces.get(), 1);
    f(&Arg::Array(jnp::zeros([3])));
    f(&Arg::Array(jnp::zeros([3])));
    assert_eq!(num_traces.get(), 2);
    f(&Arg::List(vec![Item::Array(jnp::zeros([2]))]));
    f(&Arg::List(vec![
        Item::Array(jnp::zeros([2])),
        Item::Array(jnp::zeros([3])),
    ]));
    f(&Arg::List(vec![
        Item::Array(jnp::zeros([2])),
        Item::Flag(true),
    ]));
    assert_eq!(num_traces.get(), 5);

    let num_traces = Cell::new(0);
    let g = eqx::filter_jit(|_: &Array, _: &bool| num_traces.set(num_traces.get() + 1));
    g(&jnp::zeros([2]), &true);
    g(&jnp::zeros([2]), &false);
    assert_eq!(num_traces.get(), 2);

    let num_traces = Cell::new(0);
    let h = eqx::filter_jit(|_: &bool, _: &BTreeMap<String, i64>, _: &Val, _: &Val| {
        num_traces.set(num_traces.get() + 1)
    });
    let d = |a: i64, b: i64| -> BTreeMap<String, i64> {
        [("a".to_string(), a), ("b".to_string(), b)].into()
    };
    h(&true, &d(1, 1), &Val::B(true), &Val::B(true));
    h(&false, &d(1, 1), &Val::B(true), &Val::B(true));
    h(&true, &d(1, 0), &Val::B(true), &Val::B(true));
    h(&true, &d(1, 1), &Val::B(true), &Val::I(2));
    h(&true, &d(1, 1), &Val::I(5), &Val::B(true));
    assert_eq!(num_traces.get(), 5);
    h(&true, &d(1, 1), &Val::B(true), &Val::B(true));
    assert_eq!(num_traces.get(), 5);
    h(&true, &d(2, 1), &Val::B(true), &Val::B(true));
    assert_eq!(num_traces.get(), 6);
}

/// `increment: Union[int, jax.Array]`.
#[derive(Module, Clone)]
enum Increment {
    Int(i32),
    Array(Array),
}

#[derive(Module, Clone)]
struct M {
    increment: Increment,
}

/// `M::method`'s signature.
type MethodFn = dyn Fn(&M, &Array) -> Array;
/// One way of calling the method on `jnp.array(1.0)`.
type RunFn<'a> = dyn Fn(&M) -> Array + 'a;

thread_local! {
    static METHOD_TRACES: Cell<usize> = const { Cell::new(0) };
    /// The "inner" case: the type keeps its own compiled method (Python's
    /// `method = eqx.filter_jit(method)` in the class body).
    static JITTED_METHOD: Box<MethodFn> = eqx::filter_jit(M::method);
}

impl M {
    fn method(&self, x: &Array) -> Array {
        METHOD_TRACES.with(|t| t.set(t.get() + 1));
        match &self.increment {
            Increment::Int(i) => x + *i,
            Increment::Array(a) => x + a,
        }
    }

    fn jitted_method(&self, x: &Array) -> Array {
        JITTED_METHOD.with(|f| f(self, x))
    }
}

#[test]
fn test_methods() {
    let outer = eqx::filter_jit(M::method);
    let runs: [(&str, &RunFn<'_>); 2] = [
        ("outer", &|m: &M| outer(m, &Array::scalar(1.0f32))),
        ("inner", &|m: &M| m.jitted_method(&Array::scalar(1.0f32))),
    ];
    for (case, run) in runs {
        METHOD_TRACES.with(|t| t.set(0));
        let traces = || METHOD_TRACES.with(|t| t.get());
        let m = M {
            increment: Increment::Int(1),
        };
        assert_eq!(run(&m).item::<f32>(), 2.0, "{case}");
        assert_eq!(run(&m).item::<f32>(), 2.0, "{case}");
        assert_eq!(traces(), 1, "{case}");
        let n = M {
            increment: Increment::Int(2),
        };
        assert_eq!(run(&n).item::<f32>(), 3.0, "{case}");
        assert_eq!(run(&n).item::<f32>(), 3.0, "{case}");
        assert_eq!(traces(), 2, "{case}");
        let o = M {
            increment: Increment::Array(Array::scalar(1i32)),
        };
        let p = M {
            increment: Increment::Array(Array::scalar(2i32)),
        };
        assert_eq!(run(&o).item::<f32>(), 2.0, "{case}");
        assert_eq!(run(&p).item::<f32>(), 3.0, "{case}");
        assert_eq!(traces(), 3, "{case}");
    }
}

#[test]
fn test_args_kwargs() {
    let num_traces = Cell::new(0);
    let f = eqx::filter_jit(|kwargs: &BTreeMap<String, Array>| {
        num_traces.set(num_traces.get() + 1);
        kwargs["x"].clone()
    });
    let kw = |pairs: &[(&str, i32)]| -> BTreeMap<String, Array> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Array::scalar(*v)))
            .collect()
    };
    assert_eq!(f(&kw(&[("x", 2)])).item::<i32>(), 2);
    assert_eq!(f(&kw(&[("x", 3)])).item::<i32>(), 3);
    assert_eq!(num_traces.get(), 1);
    assert_eq!(f(&kw(&[("x", 3), ("y", 4)])).item::<i32>(), 3);
    assert_eq!(num_traces.get(), 2);

    // Static positional arguments, and a static (non-array) output: captured at trace time,
    // per signature.
    let h = eqx::filter_jit(|a: &i64, _: &i64| {
        num_traces.set(num_traces.get() + 1);
        *a
    });
    assert_eq!(h(&1, &2), 1);
    assert_eq!(h(&1, &2), 1);
    assert_eq!(num_traces.get(), 3);
    assert_eq!(h(&5, &2), 5);
    assert_eq!(num_traces.get(), 4);
}

#[test]
fn test_jit_jit() {
    let num_traces = Cell::new(0);
    let f = eqx::filter_jit(eqx::filter_jit(|x: &Array| {
        num_traces.set(num_traces.get() + 1);
        x + 1
    }));
    assert_eq!(f(&Array::scalar(1i32)).item::<i32>(), 2);
    assert_eq!(f(&Array::scalar(2i32)).item::<i32>(), 3);
    assert_eq!(num_traces.get(), 1);

    let g = eqx::filter_jit(|x: &Array| {
        num_traces.set(num_traces.get() + 1);
        x + 1
    });
    let outer = eqx::filter_jit(&g);
    assert_eq!(outer(&Array::scalar(1i32)).item::<i32>(), 2);
    assert_eq!(outer(&Array::scalar(2i32)).item::<i32>(), 3);
    assert_eq!(num_traces.get(), 2);
    // The inner wrapper's cache was filled by the outer trace.
    assert_eq!(g(&Array::scalar(5i32)).item::<i32>(), 6);
    assert_eq!(num_traces.get(), 2);
}

#[test]
fn test_jit_grad() {
    let num_traces = Cell::new(0);
    let f = |x: &Array| {
        num_traces.set(num_traces.get() + 1);
        x + 1.0
    };
    let jit_grad = eqx::filter_jit(eqx::filter_grad(f));
    assert_eq!(jit_grad(&Array::scalar(1.0f32)).item::<f32>(), 1.0);
    assert_eq!(jit_grad(&Array::scalar(2.0f32)).item::<f32>(), 1.0);
    assert_eq!(num_traces.get(), 1);

    let jit_value_and_grad = eqx::filter_jit(eqx::filter_value_and_grad(f));
    let (v, g) = jit_value_and_grad(&Array::scalar(1.0f32));
    assert_eq!((v.item::<f32>(), g.item::<f32>()), (2.0, 1.0));
    let (v, g) = jit_value_and_grad(&Array::scalar(2.0f32));
    assert_eq!((v.item::<f32>(), g.item::<f32>()), (3.0, 1.0));
    assert_eq!(num_traces.get(), 2);
}

#[test]
fn test_jit_vmap() {
    let num_traces = Cell::new(0);
    let f = eqx::filter_jit(eqx::filter_vmap(|x: &Array| {
        num_traces.set(num_traces.get() + 1);
        x + 1
    }));
    let out = f(&Array::from_vec(vec![1i32, 2], [2]));
    assert_eq!(out.to_vec::<i32>(), vec![2, 3]);
    assert_eq!(num_traces.get(), 1);
    let out = f(&Array::from_vec(vec![2i32, 3], [2]));
    assert_eq!(out.to_vec::<i32>(), vec![3, 4]);
    assert_eq!(num_traces.get(), 1);
}

/// `jax.tree_util.Partial(f, x)`: a function together with some of its arguments, as a Module
/// (the function pointer is static, the array a traced leaf).
#[derive(Module, Clone)]
struct Partial {
    func: fn(&Array, &Array) -> Array,
    arg: Array,
}

#[test]
fn test_wrap_jax_partial() {
    fn add(x: &Array, y: &Array) -> Array {
        x + y
    }
    fn sub(x: &Array, y: &Array) -> Array {
        x - y
    }
    let (call, traces) =
        eqx::debug::assert_max_traces_counted(|p: &Partial, y: &Array| (p.func)(&p.arg, y), 2);
    let g = eqx::filter_jit(call);
    let arg = normal(5, &[]);
    let y = Array::scalar(0.5f32);
    let p = Partial {
        func: add,
        arg: arg.clone(),
    };
    assert!(eqx::tree_equal(&g(&p, &y), &(&arg + &y)));
    // A new array in the partial: traced, so no retrace.
    let q = Partial {
        func: add,
        arg: Array::scalar(2.0f32),
    };
    assert_eq!(g(&q, &y).item::<f32>(), 2.5);
    assert_eq!(traces.get(), 1);
    // A new function: static, so a retrace.
    let r = Partial {
        func: sub,
        arg: Array::scalar(2.0f32),
    };
    assert_eq!(g(&r, &y).item::<f32>(), 1.5);
    assert_eq!(traces.get(), 2);
}

#[test]
fn test_aot_compilation() {
    // `2 * x + y` with `x` traced and `y = 4` static.
    let f = |x: &Array, y: &i32| x * 2 + *y;
    let x = Array::scalar(3i32);
    // `.lower(x, y).as_text()`: the program; the static `y` is folded in as a literal.
    let lowered = eqx::filter_make_jaxpr(f)(&x, &4);
    // `jax.make_jaxpr(lambda x: x * 2 + 4)(jnp.array(3))` prints exactly this.
    assert_eq!(
        lowered.to_string(),
        "{ lambda ; a:i32[]. let\n    b:i32[] = mul a 2:i32[]\n    c:i32[] = add b 4:i32[]\n  in (c,) }"
    );
    // `.compile()(x, y)`.
    let compiled = eqx::filter_jit(f);
    assert_eq!(compiled(&x, &4).item::<i32>(), 10);
    assert_eq!(compiled(&Array::scalar(5i32), &4).item::<i32>(), 14);
    assert_eq!(compiled(&x, &-1).item::<i32>(), 5);
}

/// A training-style update of a model: gradient of a sum of outputs, SGD.
fn sgd_step(model: &nn::MLP, x: &Array) -> nn::MLP {
    let grads = eqx::filter_grad(|m: &nn::MLP, x: &Array| m.forward(x).sum(None))(model, x);
    tree::map2(model, &grads, |p, g| p - g * 0.1)
}

fn buffer_pointers<T: Module>(t: &T) -> Vec<usize> {
    tree::leaves(t)
        .iter()
        .map(|l| l.unsafe_buffer_pointer())
        .collect()
}

#[test]
fn test_buffer_donation_function() {
    // Layers of 256 units: large enough for their updates to be fused loops.
    let model = nn::MLP::new(16, 256, 256, 1, random::key(0));
    let x = normal(1, &[16]);
    let step = eqx::filter_jit_donate(sgd_step);
    let mut model = model;
    for _k in 0..3 {
        let before = buffer_pointers(&model);
        let expected = eqx::filter_jit(sgd_step)(&model, &x);
        model = step(model, &x);
        // Every updated parameter was written over the parameter it replaces.
        assert_eq!(buffer_pointers(&model), before, "step {_k}");
        assert!(eqx::tree_equal(&model, &expected));
    }
}

#[test]
fn donation_leaves_buffers_the_caller_still_shares_alone() {
    let model = nn::MLP::new(8, 8, 8, 1, random::key(0));
    let x = normal(1, &[8]);
    let kept = model.clone();
    let step = eqx::filter_jit_donate(sgd_step);
    let new = step(model, &x);
    // `kept` shares every buffer with the donated model, so none was overwritten.
    assert!(eqx::tree_equal(
        &kept,
        &nn::MLP::new(8, 8, 8, 1, random::key(0))
    ));
    assert!(eqx::tree_equal(&new, &sgd_step(&kept, &x)));
    let pointers = buffer_pointers(&kept);
    assert!(buffer_pointers(&new).iter().all(|p| !pointers.contains(p)));
}

/// Raw bits of every leaf, to compare results exactly.
fn leaf_bits<T: Module>(t: &T) -> Vec<Vec<u32>> {
    tree::leaves(t)
        .iter()
        .map(|l| l.to_vec::<f32>().iter().map(|v| v.to_bits()).collect())
        .collect()
}

/// A compiled training step is a value that crosses threads: [`transforms::Jit`] (what
/// `filter_jit` builds) is `Send + Sync` when the wrapped function is, so it can live in a
/// struct, move into `thread::spawn`, or be shared by 8 threads whose results agree bit for
/// bit with serial calls.
///
/// [`transforms::Jit`]: eqx::transforms::Jit
#[test]
fn a_compiled_step_moves_into_threads_and_agrees_with_serial_calls() {
    use eqx::transforms::Jit;
    use std::sync::Arc;
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    struct Trainer<F> {
        step: Jit<(nn::MLP, Array), nn::MLP, F>,
    }
    let trainer = Trainer {
        step: Jit::new(|(m, x): &(nn::MLP, Array)| sgd_step(m, x)),
    };
    assert_send_sync(&trainer.step);
    let model = nn::MLP::new(8, 3, 32, 2, random::key(0));
    let inputs: Vec<Array> = (0..8).map(|k| normal(10 + k, &[8])).collect();
    let serial: Vec<Vec<Vec<u32>>> = inputs
        .iter()
        .map(|x| leaf_bits(&trainer.step.call(&(model.clone(), x.clone()))))
        .collect();
    // Moved into a thread whole, with its cache: the signature compiled above is reused.
    let traces = trainer.step.trace_count();
    let (m, x0) = (model.clone(), inputs[0].clone());
    let moved = std::thread::spawn(move || {
        let out = leaf_bits(&trainer.step.call(&(m, x0)));
        (out, trainer.step.trace_count())
    })
    .join()
    .unwrap();
    assert_eq!(moved, (serial[0].clone(), traces));
    // Shared by 8 threads, each calling it repeatedly.
    let step = Arc::new(Jit::new(|(m, x): &(nn::MLP, Array)| sgd_step(m, x)));
    let threads: Vec<_> = inputs
        .iter()
        .cloned()
        .map(|x| {
            let (step, model) = (Arc::clone(&step), model.clone());
            std::thread::spawn(move || {
                (0..20)
                    .map(|_| leaf_bits(&step.call(&(model.clone(), x.clone()))))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for (k, t) in threads.into_iter().enumerate() {
        for got in t.join().unwrap() {
            assert_eq!(got, serial[k], "thread {k}");
        }
    }
}
