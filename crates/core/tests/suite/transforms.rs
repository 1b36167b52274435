//! The transformation machinery itself: tracing, composition, jit caching, collectives, custom
//! rules, escaped tracers and arity. (Per-primitive rules are tested in the `ad_*` files.)

use equinox_core::lax;
use equinox_core::transforms::*;
use equinox_core::{numpy as jnp, tree, Array};
use std::cell::Cell;

fn v(x: &[f32]) -> Array {
    Array::from_vec(x.to_vec(), [x.len()])
}

#[test]
fn jvp_grad_and_higher_order_of_a_polynomial() {
    let f = |x: &Array| x * x * x * 2.0;
    let x = Array::scalar(3.0f32);
    let (y, dy) = jvp(f, &x, &Array::scalar(1.0f32));
    assert_eq!((y.item::<f32>(), dy.item::<f32>()), (54.0, 54.0));
    assert_eq!(grad(f)(&x).item::<f32>(), 54.0);
    assert_eq!(grad(grad(f))(&x).item::<f32>(), 36.0);
    assert_eq!(grad(grad(grad(f)))(&x).item::<f32>(), 12.0);
    // Forward over reverse and reverse over forward agree.
    let fwd_rev = jvp(grad(f), &x, &Array::scalar(1.0f32)).1;
    let rev_fwd = grad(|x: &Array| jvp(f, x, &Array::scalar(1.0f32)).1)(&x);
    assert_eq!(fwd_rev.item::<f32>(), 36.0);
    assert_eq!(rev_fwd.item::<f32>(), 36.0);
}

#[test]
fn linearize_stages_only_tangent_work() {
    let (y, lin) = linearize(|x: &Array| x * x, &Array::scalar(3.0f32));
    assert_eq!(y.item::<f32>(), 9.0);
    assert_eq!(lin.apply(&Array::scalar(2.0f32)).item::<f32>(), 12.0);
    assert_eq!(lin.transpose(&Array::scalar(1.0f32)).item::<f32>(), 6.0);
    // The primal product ran now; the program holds only tangent multiplications.
    let text = lin.jaxpr().to_string();
    assert_eq!(text.matches("mul").count(), 2, "{text}");
    assert_eq!(text.matches("add_any").count(), 1, "{text}");
}

#[test]
fn value_and_grad_of_several_arguments_differentiates_the_first() {
    let loss = |w: &Array, x: &Array, y: &Array| ((w * x).sum(None) - y).square();
    let (l, g) = value_and_grad(loss)(&v(&[1.0, 2.0]), &v(&[3.0, 4.0]), &Array::scalar(10.0f32));
    assert_eq!(l.item::<f32>(), 1.0);
    assert_eq!(g.to_vec::<f32>(), vec![6.0, 8.0]);
    let ((l2, aux), g2) =
        value_and_grad_with_aux(|w: &(Array, Array)| ((&w.0 * &w.1).sum(None), 7))(&(
            v(&[2.0]),
            v(&[5.0]),
        ));
    assert_eq!((l2.item::<f32>(), aux), (10.0, 7));
    assert_eq!((g2.0.item::<f32>(), g2.1.item::<f32>()), (5.0, 2.0));
}

#[test]
#[should_panic(
    expected = "Gradient only defined for scalar-output functions. Output had shape: (2,)"
)]
fn grad_of_a_vector_output_is_refused() {
    grad(|x: &Array| x * 2.0)(&v(&[1.0, 2.0]));
}

#[test]
#[should_panic(
    expected = "grad requires real- or complex-valued inputs (input dtype that is a sub-dtype of np.inexact), but got int32"
)]
fn grad_of_an_integer_input_is_refused() {
    grad(|x: &Array| x.astype(equinox_core::DType::F32).sum(None))(&Array::from_vec(
        vec![1i32, 2],
        [2],
    ));
}

#[test]
fn vmap_axes_and_composition_with_grad() {
    let xs = jnp::arange(6.0).reshape([2, 3]);
    let out = vmap(|a: &Array, b: &Array| (a * b).sum(None))(&xs, &xs);
    assert_eq!(out.to_vec::<f32>(), vec![5.0, 50.0]);
    // in_axes 1 on the first argument, not mapped on the second; out_axes 1.
    let f = vmap_with(
        |a: &Array, b: &Array| a * b,
        VmapSpec::default()
            .in_axes(AxisSpec::PerArgument(vec![1.into(), None.into()]))
            .out_axes(1),
    );
    let out = f(&xs, &v(&[10.0, 100.0]));
    assert_eq!(out.shape(), &[2, 3]);
    assert_eq!(
        out.to_vec::<f32>(),
        vec![0.0, 10.0, 20.0, 300.0, 400.0, 500.0]
    );
    // Per-example gradients: vmap of grad.
    let per_example =
        vmap(|x: &Array| grad(|w: &Array| (w * x).sum(None).square())(&v(&[1.0, 1.0, 1.0])));
    let g = per_example(&xs);
    assert_eq!(g.to_vec::<f32>(), vec![0.0, 6.0, 12.0, 72.0, 96.0, 120.0]);
    // grad of vmap.
    let gv =
        grad(|w: &Array| vmap(|x: &Array| (w * x).sum(None))(&xs).sum(None))(&v(&[1.0, 1.0, 1.0]));
    assert_eq!(gv.to_vec::<f32>(), vec![3.0, 5.0, 7.0]);
}

#[test]
#[should_panic(
    expected = "vmap got inconsistent sizes for array axes to be mapped:\n  * one axis had size 2: axis 0 of argument 0 of type float32[2];\n  * one axis had size 3: axis 0 of argument 1 of type float32[3]"
)]
fn vmap_with_inconsistent_sizes_is_refused() {
    vmap(|a: &Array, b: &Array| a * b)(&jnp::zeros([2]), &jnp::zeros([3]));
}

#[test]
fn jit_traces_once_per_signature_and_static_change_retraces() {
    let count = Cell::new(0);
    let f = Jit::new(|(x, scale): &(Array, tree::Static<u32>)| {
        count.set(count.get() + 1);
        x * (scale.0 as f32)
    });
    let a = f.call(&(v(&[1.0, 2.0]), tree::Static(2)));
    assert_eq!(a.to_vec::<f32>(), vec![2.0, 4.0]);
    f.call(&(v(&[3.0, 4.0]), tree::Static(2)));
    assert_eq!((f.trace_count(), count.get()), (1, 1));
    assert_eq!(
        f.call(&(v(&[3.0, 4.0]), tree::Static(3))).to_vec::<f32>(),
        vec![9.0, 12.0]
    );
    assert_eq!(f.trace_count(), 2);
    f.call(&(v(&[3.0, 4.0, 5.0]), tree::Static(3)));
    assert_eq!(f.trace_count(), 3);
    // dtype is part of the signature.
    f.call(&(Array::from_vec(vec![1.0f64], [1]), tree::Static(3)));
    assert_eq!((f.trace_count(), count.get()), (4, 4));
}

#[test]
fn jit_composes_with_grad_and_vmap() {
    let f = |x: &Array| x * x * x;
    let jg = jit(grad(f));
    assert_eq!(jg(&Array::scalar(2.0f32)).item::<f32>(), 12.0);
    assert_eq!(jg(&Array::scalar(1.0f32)).item::<f32>(), 3.0);
    let gj = grad(jit(f));
    assert_eq!(gj(&Array::scalar(2.0f32)).item::<f32>(), 12.0);
    let vj = vmap(jit(f));
    assert_eq!(vj(&v(&[1.0, 2.0])).to_vec::<f32>(), vec![1.0, 8.0]);
    let jgv = jit(grad(|w: &Array| {
        vmap(|x: &Array| w * x)(&v(&[1.0, 2.0])).sum(None)
    }));
    assert_eq!(jgv(&Array::scalar(5.0f32)).item::<f32>(), 3.0);
}

#[test]
fn make_jaxpr_prints_like_jax() {
    // Text from jax 0.10.2: jax.make_jaxpr(lambda a, b: jnp.sin(a) * b)(y, y) for y: f32[3].
    let j =
        make_jaxpr(|a: &Array, b: &Array| a.sin() * b)(&v(&[1.0, 2.0, 3.0]), &v(&[1.0, 2.0, 3.0]));
    assert_eq!(
        j.to_string(),
        "{ lambda ; a:f32[3] b:f32[3]. let c:f32[3] = sin a; d:f32[3] = mul c b in (d,) }"
    );
    // A captured array is a constvar; a Rust scalar is a literal. (JAX: the same program with
    // `c = jnp.array([1., 2., 3.])` captured, `lambda a: a * c * 2.0`.)
    let c = v(&[1.0, 2.0, 3.0]);
    let j = make_jaxpr(|a: &Array| a * &c * 2.0)(&c);
    assert_eq!(
        j.to_string(),
        "{ lambda a:f32[3]; b:f32[3]. let\n    c:f32[3] = mul b a\n    d:f32[3] = mul c 2.0:f32[]\n  in (d,) }"
    );
}

#[test]
fn eval_shape_runs_nothing() {
    let out = eval_shape(|x: &Array| (x * 2.0, x.sum(None)), &jnp::zeros([4, 5]));
    assert_eq!(out.0.shape(), &[4, 5]);
    assert_eq!(out.1.shape(), &[] as &[usize]);
    assert!(out.0.is_filtered_out());
}

#[test]
fn collectives_inside_a_named_vmap() {
    let spec = || VmapSpec::default().axis_name("i");
    let normalise = vmap_with(|x: &Array| x / &lax::psum(x, "i"), spec());
    assert_eq!(normalise(&v(&[1.0, 3.0])).to_vec::<f32>(), vec![0.25, 0.75]);
    let centred = vmap_with(|x: &Array| x - &lax::pmean(x, "i"), spec());
    assert_eq!(
        centred(&v(&[1.0, 3.0, 5.0])).to_vec::<f32>(),
        vec![-2.0, 0.0, 2.0]
    );
    let idx = vmap_with(
        |x: &Array| &lax::axis_index("i").astype(equinox_core::DType::F32) + x,
        spec(),
    );
    assert_eq!(
        idx(&v(&[10.0, 10.0, 10.0])).to_vec::<f32>(),
        vec![10.0, 11.0, 12.0]
    );
    let gathered = vmap_with(|x: &Array| lax::all_gather(x, "i"), spec());
    assert_eq!(gathered(&v(&[1.0, 2.0])).shape(), &[2, 2]);
    let mx = vmap_with(|x: &Array| lax::pmax(x, "i"), spec());
    assert_eq!(mx(&v(&[1.0, 7.0, 2.0])).to_vec::<f32>(), vec![7.0; 3]);
    // grad through psum inside the vmap: d/dx_j sum_i (x_i / sum x)^2.
    let g = grad(|x: &Array| normalise(x).square().sum(None))(&v(&[1.0, 3.0]));
    // y = x / s, L = sum y^2; dL/dx_j = 2 y_j / s - 2 sum_i y_i^2 / s.
    let (y0, y1, s) = (0.25f32, 0.75f32, 4.0f32);
    let common = 2.0 * (y0 * y0 + y1 * y1) / s;
    let want = [2.0 * y0 / s - common, 2.0 * y1 / s - common];
    equinox_testing::assert_close(
        "grad",
        &g.to_vec::<f64>(),
        &want.map(f64::from),
        equinox_testing::Tolerance::new(0.0, 1e-6),
    );
}

#[test]
#[should_panic(expected = "unbound axis name: i. The following axis names")]
fn collective_outside_its_vmap_is_an_error() {
    lax::psum(&v(&[1.0]), "i");
}

#[test]
fn custom_jvp_replaces_the_derivative_and_batches() {
    // f(x) = x^3, with a deliberately different derivative 10 x so the rule is visible.
    let f = custom_jvp(
        |x: &Array| x * x * x,
        |x: &Array, t: &Array| (x * x * x, x * t * 10.0),
    );
    assert_eq!(f(&Array::scalar(2.0f32)).item::<f32>(), 8.0);
    assert_eq!(grad(&f)(&Array::scalar(2.0f32)).item::<f32>(), 20.0);
    assert_eq!(
        jvp(&f, &Array::scalar(2.0f32), &Array::scalar(1.0f32))
            .1
            .item::<f32>(),
        20.0
    );
    let vg = vmap(grad(&f))(&v(&[1.0, 2.0]));
    assert_eq!(vg.to_vec::<f32>(), vec![10.0, 20.0]);
    let gv = grad(|x: &Array| vmap(&f)(x).sum(None))(&v(&[1.0, 2.0]));
    assert_eq!(gv.to_vec::<f32>(), vec![10.0, 20.0]);
    let j = make_jaxpr(&f)(&Array::scalar(1.0f32)).to_string();
    assert!(j.contains("custom_jvp_call"), "{j}");
}

#[test]
fn custom_vjp_runs_the_backward_pass() {
    let f = custom_vjp(
        |x: &Array| x * x,
        |x: &Array| (x * x, x.clone()),
        |res: &Array, ct: &Array| res * ct * 100.0,
    );
    assert_eq!(f(&Array::scalar(3.0f32)).item::<f32>(), 9.0);
    assert_eq!(grad(&f)(&Array::scalar(3.0f32)).item::<f32>(), 300.0);
    let vg = vmap(grad(&f))(&v(&[1.0, 2.0]));
    assert_eq!(vg.to_vec::<f32>(), vec![100.0, 200.0]);
    let gv = grad(|x: &Array| vmap(&f)(x).sum(None))(&v(&[1.0, 2.0]));
    assert_eq!(gv.to_vec::<f32>(), vec![100.0, 200.0]);
    let jg = jit(grad(&f));
    assert_eq!(jg(&Array::scalar(3.0f32)).item::<f32>(), 300.0);
}

#[test]
#[should_panic(expected = "can't apply forward-mode autodiff (jvp) to a custom_vjp function")]
fn jvp_of_custom_vjp_is_an_error() {
    let f = custom_vjp(
        |x: &Array| x * 2.0,
        |x: &Array| (x * 2.0, ()),
        |_: &(), ct: &Array| ct * 2.0,
    );
    jvp(&f, &Array::scalar(1.0f32), &Array::scalar(1.0f32));
}

#[test]
#[should_panic(expected = "escaped tracer")]
fn using_an_escaped_tracer_panics() {
    let leaked = std::cell::RefCell::new(None);
    grad(|x: &Array| {
        *leaked.borrow_mut() = Some(x * 2.0);
        x * 1.0
    })(&Array::scalar(1.0f32));
    let t = leaked.borrow().clone().unwrap();
    assert!(t.is_tracer());
    let _ = &t + 1.0;
}

#[test]
#[should_panic(expected = "reading the elements of a traced value")]
fn reading_a_tracer_is_a_concretization_error() {
    jit(|x: &Array| {
        let _ = x.to_vec::<f32>();
        x.clone()
    })(&v(&[1.0]));
}

#[test]
fn arrays_and_jitted_functions_cross_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Array>();
    let x = v(&[1.0, 2.0]);
    let h = std::thread::spawn(move || grad(|x: &Array| (x * x).sum(None))(&x));
    assert_eq!(h.join().unwrap().to_vec::<f32>(), vec![2.0, 4.0]);
}

#[test]
fn error_if_fails_at_run_time_eagerly_under_jit_and_vmap() {
    use equinox_core::debug;
    let check =
        |x: &Array| debug::error_if(x, &jnp::less(x, &jnp::zeros_like(x)), "negative input");
    assert_eq!(
        debug::checked(|| check(&v(&[1.0])))
            .unwrap()
            .to_vec::<f32>(),
        vec![1.0]
    );
    assert_eq!(
        debug::checked(|| check(&v(&[-1.0]))).unwrap_err().message,
        "negative input"
    );
    let jitted = jit(move |x: &Array| check(x) * 2.0);
    assert_eq!(
        debug::checked(|| jitted(&v(&[3.0])))
            .unwrap()
            .to_vec::<f32>(),
        vec![6.0]
    );
    assert!(debug::checked(|| jitted(&v(&[3.0, -3.0]))).is_err());
    // A large program runs on a rayon worker: the failure still reaches the caller as `Err`.
    let mut big = vec![1.0f32; 1 << 15];
    assert!(debug::checked(|| jitted(&v(&big))).is_ok());
    big[12345] = -1.0;
    assert_eq!(
        debug::checked(|| jitted(&v(&big))).unwrap_err().message,
        "negative input"
    );
    let batched = vmap(move |x: &Array| check(x) * 2.0);
    assert!(debug::checked(|| batched(&v(&[1.0, 2.0]))).is_ok());
    assert!(debug::checked(|| batched(&v(&[1.0, -2.0]))).is_err());
    // Under grad the check runs in the forward pass; the gradient flows through.
    let g = debug::checked(|| grad(move |x: &Array| (check(x) * 3.0).sum(None))(&v(&[1.0])));
    assert_eq!(g.unwrap().to_vec::<f32>(), vec![3.0]);
}

#[test]
fn pure_callback_calls_host_code_from_traced_programs() {
    use equinox_core::debug;
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c2 = calls.clone();
    let host_square = move |x: &Array| {
        c2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Array::from_vec(x.to_vec::<f32>().iter().map(|v| v * v).collect(), x.shape())
    };
    let f = jit(move |x: &Array| debug::pure_callback(host_square.clone(), x, x) + 1.0);
    assert_eq!(f(&v(&[2.0, 3.0])).to_vec::<f32>(), vec![5.0, 10.0]);
    assert_eq!(f(&v(&[4.0, 5.0])).to_vec::<f32>(), vec![17.0, 26.0]);
    assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 2);
}

#[test]
fn checkpoint_saves_only_inputs_and_recomputes() {
    let block = |x: &Array| (x * x).sin() * x;
    let remat = checkpoint(block);
    let x = v(&[0.3, -0.7, 1.1]);
    assert_eq!(remat(&x).to_vec::<f32>(), block(&x).to_vec::<f32>());
    let g = grad(|x: &Array| remat(x).sum(None))(&x);
    let want = grad(|x: &Array| block(x).sum(None))(&x);
    equinox_testing::assert_close(
        "checkpointed grad",
        &g.to_vec::<f64>(),
        &want.to_vec::<f64>(),
        equinox_testing::Tolerance::new(0.0, 1e-6),
    );
    // The linear program of a checkpointed block closes over the block's input only (plus
    // nothing computed inside it): the intermediates are recomputed, not saved.
    let (_, lin) = linearize(|x: &Array| remat(x), &x);
    let consts = &lin.jaxpr().consts;
    assert_eq!(consts.len(), 1, "{}", lin.jaxpr());
    assert!(consts[0].ptr_eq(&x));
    let (_, plain) = linearize(block, &x);
    assert!(plain.jaxpr().consts.len() > 1, "{}", plain.jaxpr());
    // vmap and jit of a checkpointed block.
    let xs = jnp::stack(&[&x, &(&x * 2.0)], 0);
    let vg = vmap(grad(|x: &Array| remat(x).sum(None)))(&xs);
    assert_eq!(vg.shape(), &[2, 3]);
    assert_eq!(jit(&remat)(&x).to_vec::<f32>(), block(&x).to_vec::<f32>());
}

#[test]
fn grad_with_argnums_selects_arguments() {
    let f = |a: &Array, b: &Array, n: &Array| {
        (a * a * b).sum(None) * &n.astype(equinox_core::DType::F32)
    };
    let n = Array::scalar(2i32);
    let (da, db, dn) = grad_argnums(f, &[0, 1])(&v(&[1.0, 2.0]), &v(&[3.0, 4.0]), &n);
    assert_eq!(da.to_vec::<f32>(), vec![12.0, 32.0]);
    assert_eq!(db.to_vec::<f32>(), vec![2.0, 8.0]);
    assert!(dn.is_filtered_out());
    let (val, (_, db2, _)) = value_and_grad_argnums(f, &[1])(&v(&[1.0, 2.0]), &v(&[3.0, 4.0]), &n);
    assert_eq!(val.item::<f32>(), 38.0);
    assert_eq!(db2.to_vec::<f32>(), vec![2.0, 8.0]);
}
