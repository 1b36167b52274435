//! Host code called from a lowered program: what JAX's CPU backend does for `pure_callback`,
//! `io_callback`, `debug.callback` and LAPACK-backed primitives (`eig`), through an XLA FFI
//! custom call.
//!
//! A primitive that must run on the host lowers to a `stablehlo.custom_call` of
//! [`HOST_CALLBACK_TARGET`] (typed FFI, `api_version = 4`) whose `callback` attribute is the id
//! of a [`HostCallback`] registered here ([`LoweringContext::host_call`]). The module keeps a
//! [`HostCallbackHandle`] per call, so the callback stays registered while the module (and the
//! executable compiled from it) lives, and is dropped with it. A backend that runs such modules
//! registers one FFI handler under that name which looks the id up ([`lookup`]) and calls
//! [`HostCallback::call`] on the operands' values; the PJRT backend does so for host (CPU)
//! plugins.
//!
//! [`LoweringContext::host_call`]: super::stablehlo::LoweringContext::host_call

use crate::array::{Array, ShapeDtype};
use crate::distributed::threads::panic_message;
use crate::prims::error_check::RuntimeCheckFailed;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The custom-call target host callbacks lower to.
pub const HOST_CALLBACK_TARGET: &str = "equinox_host_callback";

/// A host function of flat arrays returning flat arrays (none for a call made for its effect).
pub type HostFn = Arc<dyn Fn(&[Array]) -> Vec<Array> + Send + Sync>;

/// A registered host function with the results it must return.
pub struct HostCallback {
    /// The primitive it stands for (`"eig"`, `"pure_callback"`), for error messages.
    pub name: &'static str,
    /// The declared results.
    pub out_avals: Vec<ShapeDtype>,
    callback: HostFn,
}

impl fmt::Debug for HostCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HostCallback({}, {} results)",
            self.name,
            self.out_avals.len()
        )
    }
}

impl HostCallback {
    /// Runs the function on `args`. A panic (a failed `error_if` included) or a result that
    /// is not the declared shape and dtype comes back as the message the program's execution
    /// fails with.
    pub fn call(&self, args: &[Array]) -> Result<Vec<Array>, String> {
        let run = std::panic::AssertUnwindSafe(|| (self.callback)(args));
        let results = std::panic::catch_unwind(run).map_err(|payload| match payload
            .downcast_ref::<RuntimeCheckFailed>(
        ) {
            Some(check) => check.to_string(),
            None => format!("{}: {}", self.name, panic_message(payload.as_ref())),
        })?;
        if results.len() != self.out_avals.len() {
            return Err(format!(
                "{}: the host callback returned {} arrays but {} were declared",
                self.name,
                results.len(),
                self.out_avals.len()
            ));
        }
        for (i, (r, o)) in results.iter().zip(&self.out_avals).enumerate() {
            if r.shape() != &o.shape[..] || r.dtype() != o.dtype {
                return Err(format!(
                    "{}: result {i} of the host callback is {} but {o} was declared",
                    self.name,
                    r.aval()
                ));
            }
        }
        Ok(results)
    }
}

fn registry() -> &'static Mutex<HashMap<u64, Arc<HostCallback>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<u64, Arc<HostCallback>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Keeps one registered callback alive; when the last clone is dropped, the id is
/// unregistered (a program still calling it then fails with "no host callback").
#[derive(Clone)]
pub struct HostCallbackHandle(Arc<Registration>);

struct Registration {
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        registry()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.id);
    }
}

impl HostCallbackHandle {
    /// The id the custom call names.
    pub fn id(&self) -> u64 {
        self.0.id
    }
}

impl fmt::Debug for HostCallbackHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostCallbackHandle({})", self.0.id)
    }
}

/// Registers `callback` (named `name` in errors) returning `out_avals`.
pub fn register(
    name: &'static str,
    callback: HostFn,
    out_avals: Vec<ShapeDtype>,
) -> HostCallbackHandle {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let entry = Arc::new(HostCallback {
        name,
        out_avals,
        callback,
    });
    registry()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, entry);
    HostCallbackHandle(Arc::new(Registration { id }))
}

/// The callback registered under `id`, while a handle to it lives.
pub fn lookup(id: u64) -> Option<Arc<HostCallback>> {
    registry()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&id)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_is_registered_while_its_handle_lives() {
        let f: HostFn = Arc::new(|xs: &[Array]| vec![xs[0].clone()]);
        let aval = ShapeDtype::new(vec![2], crate::DType::F32);
        let handle = register("test", f, vec![aval]);
        let id = handle.id();
        let cb = lookup(id).expect("registered");
        let x = Array::from_vec(vec![1.0f32, 2.0], [2]);
        assert_eq!(
            cb.call(std::slice::from_ref(&x)).unwrap()[0].to_vec::<f32>(),
            vec![1.0, 2.0]
        );
        let wrong = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
        let err = cb.call(&[wrong]).unwrap_err();
        assert!(
            err.contains("result 0 of the host callback is f32[3] but f32[2]"),
            "{err}"
        );
        let clone = handle.clone();
        drop(handle);
        assert!(lookup(id).is_some());
        drop(clone);
        assert!(lookup(id).is_none());
    }

    #[test]
    fn a_panic_becomes_the_error_message() {
        let f: HostFn = Arc::new(|_: &[Array]| panic!("bad input"));
        let handle = register("pure_callback", f, vec![]);
        let err = lookup(handle.id()).unwrap().call(&[]).unwrap_err();
        assert_eq!(err, "pure_callback: bad input");
        let g: HostFn = Arc::new(|_: &[Array]| {
            std::panic::panic_any(RuntimeCheckFailed {
                message: "x < 0".to_string(),
            })
        });
        let handle = register("error_check", g, vec![]);
        let err = lookup(handle.id()).unwrap().call(&[]).unwrap_err();
        assert_eq!(err, "runtime check failed: x < 0");
    }
}
