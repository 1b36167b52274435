//! The runtime: moving arrays of every dtype, executing on device buffers, argument checks,
//! the plugin's errors.

use crate::common::{client, normal};
use equinox_core::transforms::make_jaxpr;
use equinox_core::{numpy as jnp, Array, DType};
use equinox_pjrt::{PjrtError, Plugin};

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn device_put_and_get_round_trip_every_dtype() {
    let c = client();
    for dtype in [
        DType::Bool,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::F16,
        DType::BF16,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
        DType::F8E4M3Fn,
        DType::F8E5M2,
    ] {
        let x = (normal(7, &[3, 5], DType::F32) * 50.0).astype(dtype);
        let back = c.device_put(&x).unwrap().device_get().unwrap();
        assert_eq!(back.dtype(), dtype);
        assert_eq!(back.shape(), &[3, 5]);
        assert_eq!(
            equinox_core::numpy::npy::to_le_bytes(&back),
            equinox_core::numpy::npy::to_le_bytes(&x),
            "{dtype} changed on the way"
        );
    }
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn outputs_stay_on_the_device_between_calls() {
    let c = client();
    let program = make_jaxpr(|x: &Array| x * 2.0 + 1.0)(&jnp::zeros([4]));
    let exe = c.compile(&program).unwrap();
    let mut x = c.device_put(&jnp::arange(4.0)).unwrap();
    for _ in 0..3 {
        x = exe.execute(&[&x]).unwrap().remove(0);
    }
    // ((x*2+1)*2+1)*2+1 = 8x + 7
    assert_eq!(
        x.device_get().unwrap().to_vec::<f32>(),
        vec![7.0, 15.0, 23.0, 31.0]
    );
    assert!(exe.compile_time().as_nanos() > 0);
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn constants_are_uploaded_once_as_arguments() {
    let c = client();
    let w = normal(3, &[64, 64], DType::F32);
    let program = make_jaxpr(|x: &Array| x.matmul(&w))(&jnp::zeros([2, 64]));
    let exe = c.compile(&program).unwrap();
    assert_eq!(exe.module().num_consts, 1);
    assert!(
        exe.module().text.len() < 4096,
        "the weights are not printed into the module"
    );
    let x = normal(4, &[2, 64], DType::F32);
    let got = exe.call(&[&x]).unwrap().remove(0).to_vec::<f32>();
    let want = x.matmul(&w).to_vec::<f32>();
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() <= 1e-4 * w.abs().max(1.0), "{g} vs {w}");
    }
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn wrong_arguments_are_errors_naming_the_mismatch() {
    let c = client();
    let program = make_jaxpr(|x: &Array| x + 1.0)(&jnp::zeros([3]));
    let exe = c.compile(&program).unwrap();
    let bad = c.device_put(&jnp::zeros([4])).unwrap();
    let err = exe.execute(&[&bad]).unwrap_err().to_string();
    assert!(err.contains("f32[4]") && err.contains("f32[3]"), "{err}");
    let err = exe.execute(&[]).unwrap_err().to_string();
    assert!(err.contains("0 arguments") && err.contains("1"), "{err}");
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn the_plugin_reports_its_version_and_devices() {
    let c = client();
    let (major, minor) = c.plugin().api_version();
    assert_eq!(major, 0);
    assert!(minor >= 40);
    assert!(!c.devices().is_empty());
    assert!(!c.platform_name().is_empty());
    let attrs = c.plugin().attributes().unwrap();
    assert!(
        attrs.iter().any(|(k, _)| k == "stablehlo_current_version"),
        "{attrs:?}"
    );
    // Loading the same file again gives the same, already initialised plugin.
    let again = Plugin::load(c.plugin().path()).unwrap();
    assert!(std::sync::Arc::ptr_eq(&again, c.plugin()));
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn a_program_the_plugin_rejects_is_an_error_with_its_message() {
    let c = client();
    let mut module =
        equinox_core::jaxpr::stablehlo::lower(&make_jaxpr(|x: &Array| x + 1.0)(&jnp::zeros([3])))
            .unwrap();
    module.text = module.text.replace("stablehlo.add", "stablehlo.no_such_op");
    let err = equinox_pjrt::Executable::compile_module(c, module, &[])
        .err()
        .expect("compile must fail");
    match &err {
        PjrtError::Plugin {
            during, message, ..
        } => {
            assert_eq!(*during, "compilation");
            assert!(message.contains("no_such_op"), "{message}");
        }
        other => panic!("expected the plugin's error, got {other}"),
    }
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn a_program_that_cannot_lower_is_a_lowering_error_naming_the_primitive() {
    // Every primitive lowers; a collective whose axis is bound to no process group has
    // nothing to run against (on the CPU executor it fails when run, as in JAX).
    let f = client().jit(|x: &Array| equinox_core::lax::psum(x, "nowhere"));
    match f.call(&jnp::ones([3])) {
        Err(PjrtError::Lowering(e)) => {
            assert_eq!(e.primitive, "psum");
            assert!(e.reason.contains("nowhere"), "{}", e.reason);
        }
        other => panic!("expected a lowering error, got {other:?}"),
    }
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn training_state_stays_on_the_device_and_matches_the_cpu_executor() {
    use equinox_core::transforms::{grad, jit};
    let c = client();
    // A least-squares fit by gradient descent: the state is (weights, bias), the batch (x, y).
    let step = |((w, b), (x, y)): &((Array, Array), (Array, Array))| {
        let loss = |(w, b): &(Array, Array)| ((x.matmul(w) + b - y).square()).mean(None);
        let (gw, gb) = grad(loss)(&(w.clone(), b.clone()));
        ((w - gw * 0.1, b - gb * 0.1), loss(&(w.clone(), b.clone())))
    };
    let on_device = c.jit(step);
    let on_cpu = jit(step);
    let x = normal(1, &[16, 3], DType::F32);
    let y = normal(2, &[16, 2], DType::F32);
    let init = (normal(3, &[3, 2], DType::F32), jnp::zeros([2]));
    let batch = c.put(&(x.clone(), y.clone())).unwrap();
    let (mut state, mut host) = (c.put(&init).unwrap(), init);
    for i in 0..5 {
        let (next, loss) = on_device
            .call_resident(&equinox_pjrt::OnDevice::join(&state, &batch))
            .unwrap()
            .split();
        let (host_next, host_loss) = on_cpu(&(host, (x.clone(), y.clone())));
        let loss = loss.get().unwrap().item::<f32>();
        let want = host_loss.item::<f32>();
        assert!(
            (loss - want).abs() <= 1e-5 * want.abs(),
            "step {i}: loss {loss} vs {want}"
        );
        (state, host) = (next, host_next);
    }
    let (w, b) = state.get().unwrap();
    for (got, want) in [(w, &host.0), (b, &host.1)] {
        for (g, h) in got.to_vec::<f32>().iter().zip(want.to_vec::<f32>()) {
            assert!((g - h).abs() <= 1e-5, "{g} vs {h}");
        }
    }
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn filtered_out_leaves_keep_their_places_on_the_device() {
    let c = client();
    let hole = || Array::filtered_out(equinox_core::ShapeDtype::new(vec![7], DType::F32));
    let tree = vec![jnp::arange(3.0), hole(), jnp::ones([2])];
    let put = c.put(&tree).unwrap();
    assert_eq!(put.leaves().len(), 2);
    let back = put.get().unwrap();
    assert!(back[1].is_filtered_out());
    assert_eq!(back[0].to_vec::<f32>(), vec![0.0, 1.0, 2.0]);
    assert_eq!(back[2].to_vec::<f32>(), vec![1.0, 1.0]);
    // Outputs with holes, from host and resident calls alike.
    let f = c.jit(|t: &Vec<Array>| vec![hole(), &t[0] * 2.0, hole(), t[2].sum(None)]);
    for out in [
        f.call(&tree).unwrap(),
        f.call_resident(&put).unwrap().get().unwrap(),
    ] {
        assert!(out[0].is_filtered_out() && out[2].is_filtered_out());
        assert_eq!(out[1].to_vec::<f32>(), vec![0.0, 2.0, 4.0]);
        assert_eq!(out[3].item::<f32>(), 2.0);
    }
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn donated_state_is_updated_in_place_and_shared_buffers_are_kept() {
    use equinox_core::jaxpr::stablehlo::lower_donating;
    let c = client();
    let f = |(w, x): &(Array, Array)| (w * 0.5 + x, w.sum(None));
    // Each donated input aliases the first free output of its shape and dtype.
    let like = (jnp::ones([3]), jnp::ones([3]));
    let module = lower_donating(&make_jaxpr(f)(&like), &[true, true]).unwrap();
    assert_eq!(module.aliases, vec![(0, 0)]);
    assert_eq!(
        module.text.matches("tf.aliasing_output = 0 : i32").count(),
        1
    );
    let step = c.jit(f);
    let x = c.put(&jnp::arange(3.0)).unwrap();
    let (mut donated, mut kept) = (
        c.put(&jnp::ones([3])).unwrap(),
        c.put(&jnp::ones([3])).unwrap(),
    );
    for _ in 0..4 {
        let batch = equinox_pjrt::OnDevice::join(&donated, &x);
        // `donated` is moved into the pair, so only the pair holds its buffer.
        drop(donated);
        donated = step.call_resident_donating(batch).unwrap().split().0;
        kept = step
            .call_resident(&equinox_pjrt::OnDevice::join(&kept, &x))
            .unwrap()
            .split()
            .0;
    }
    assert_eq!(
        donated.get().unwrap().to_vec::<f32>(),
        kept.get().unwrap().to_vec::<f32>()
    );
    // A buffer another tree still holds is not donated: it stays readable.
    let shared = c.put(&jnp::ones([3])).unwrap();
    let pair = equinox_pjrt::OnDevice::join(&shared, &x);
    let out = step.call_resident_donating(pair).unwrap().split().0;
    assert_eq!(shared.get().unwrap().to_vec::<f32>(), vec![1.0; 3]);
    assert_eq!(out.get().unwrap().to_vec::<f32>(), vec![0.5, 1.5, 2.5]);
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn a_device_out_of_memory_is_an_error_and_the_client_keeps_working() {
    let c = client();
    // A 1 TiB output: the allocation fails when the program runs.
    let huge = c.jit(|x: &Array| jnp::zeros([1usize << 38]) + x);
    match huge.call(&Array::scalar(1.0f32)) {
        Err(e) => {
            assert!(e.is_out_of_memory(), "expected RESOURCE_EXHAUSTED, got {e}");
            assert!(e.to_string().contains("1099511627776"), "{e}");
        }
        Ok(y) => panic!("a 1 TiB array was allocated: {}", y.aval()),
    }
    let small = c.jit(|x: &Array| x * 2.0);
    let y = small
        .call(&jnp::ones([3]))
        .expect("the client still runs programs");
    assert_eq!(y.to_vec::<f32>(), vec![2.0; 3]);
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn eager_operations_on_device_arrays_run_on_the_device() {
    use equinox_core::transforms::{grad, jit, vmap};
    let c = client();
    let host = normal(3, &[4, 3], DType::F32);
    let x = c.to_device(&host).expect("device_put");
    assert!(c.is_on_device(&x) && !c.is_on_device(&host));
    assert_eq!((x.shape(), x.dtype()), (host.shape(), host.dtype()));
    let f = |x: &Array| (x.exp() * 2.0 + 1.0).sum(1);
    let want = f(&host);
    // Each operation runs on the device; so does one mixing in a host array.
    let y = f(&x);
    assert!(c.is_on_device(&y));
    let mixed = &y + &jnp::ones([4]);
    assert!(c.is_on_device(&mixed));
    let back = c.to_host(&y).expect("device_get");
    assert!(!c.is_on_device(&back));
    for (a, b) in back.to_vec::<f32>().iter().zip(want.to_vec::<f32>()) {
        assert!((a - b).abs() <= 1e-5 * b.abs(), "{a} vs {b}");
    }
    // Reading the elements copies them back: `to_vec` and printing work directly.
    assert_eq!(y.to_vec::<f32>(), back.to_vec::<f32>());
    assert_eq!(format!("{y}"), format!("{back}"));
    // Transformations see a concrete array: grad's primal and tangent operations run on the
    // device, and the CPU executor's jit and vmap read it through its host copy.
    let loss = |x: &Array| (x.sin() * x).sum(None);
    let g = grad(loss)(&x);
    assert!(c.is_on_device(&g));
    let g_host = grad(loss)(&host);
    for (a, b) in g.to_vec::<f32>().iter().zip(g_host.to_vec::<f32>()) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
    assert_eq!(jit(f)(&x).to_vec::<f32>(), jit(f)(&host).to_vec::<f32>());
    assert_eq!(
        vmap(|r: &Array| r.max(None))(&x).to_vec::<f32>(),
        host.max(1).to_vec::<f32>()
    );
    // A device jit takes device arrays in place.
    let on_device = c.jit(f).call(&x).expect("jit");
    for (a, b) in on_device.to_vec::<f32>().iter().zip(want.to_vec::<f32>()) {
        assert!((a - b).abs() <= 1e-5 * b.abs(), "{a} vs {b}");
    }
}
