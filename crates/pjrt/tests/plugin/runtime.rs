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
fn an_unsupported_primitive_is_a_lowering_error_naming_it() {
    let c = client();
    let f = c.jit(|x: &Array| jnp::sort(x, Some(-1)));
    match f.call(&jnp::arange(3.0)) {
        Err(PjrtError::Lowering(e)) => assert_eq!(e.primitive, "sort"),
        other => panic!("expected a lowering error, got {other:?}"),
    }
}
