//! `Array`s on a device (`jax.device_put`): their elements are a [`DeviceBuffer`], eager
//! operations on them run on the device (each primitive compiled once per signature, as JAX's
//! eager dispatch does), and [`Client::jit`] uses their buffers without copying.

use crate::buffer::DeviceBuffer;
use crate::client::Client;
use crate::error::PjrtError;
use crate::executable::Executable;
use crate::lru_cache::LruCache;
use equinox_core::prims::device::register_device_backend;
use equinox_core::prims::{bind, Primitive};
use equinox_core::transforms::make_jaxpr;
use equinox_core::{Array, DeviceData, ShapeDtype};
use std::any::Any;
use std::sync::{Arc, Mutex, OnceLock};

/// The device data behind a device `Array`.
struct Resident {
    client: Client,
    buffer: Arc<DeviceBuffer>,
}

impl DeviceData for Resident {
    fn to_host(&self) -> Array {
        match self.buffer.device_get() {
            Ok(x) => x,
            Err(e) => panic!(
                "copying a {} from {} to the host: {e}",
                self.buffer.aval(),
                self.describe()
            ),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn describe(&self) -> String {
        format!(
            "{}:0 ({})",
            self.client.platform_name(),
            self.client.plugin().path().display()
        )
    }
}

/// The evaluator this crate registers with the core: runs `prim` on the client of its first
/// operand that lives on one of our devices.
fn eval_on_our_device(
    prim: &Primitive,
    args: &[&Array],
    _out: &[ShapeDtype],
) -> Option<Vec<Array>> {
    let resident = args
        .iter()
        .find_map(|a| a.device_data()?.as_any().downcast_ref::<Resident>())?;
    let name = equinox_core::prims::PrimitiveRule::name(prim);
    Some(
        eval_eagerly(&resident.client, prim, args)
            .unwrap_or_else(|e| panic!("{name} on {}: {e}", resident.describe())),
    )
}

/// One compiled executable per (client, primitive, operand signature), for the whole process:
/// the executables keep their client alive, so a client's address names it for as long as the
/// entry exists.
type EagerKey = (usize, Primitive, Vec<ShapeDtype>);

/// How many eager executables are kept (JAX's cache of compiled primitives has the same
/// bound); past it the least recently used one is dropped, with its client reference and any
/// host callback it holds.
const EAGER_CACHE_CAPACITY: usize = 4096;

fn eager_cache() -> std::sync::MutexGuard<'static, LruCache<EagerKey, Arc<Executable>>> {
    static CACHE: OnceLock<Mutex<LruCache<EagerKey, Arc<Executable>>>> = OnceLock::new();
    CACHE
        .get_or_init(|| Mutex::new(LruCache::new(EAGER_CACHE_CAPACITY)))
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// Runs `prim` on `client`'s default device: operands on that device are used in place,
/// others copied over.
fn eval_eagerly(
    client: &Client,
    prim: &Primitive,
    args: &[&Array],
) -> Result<Vec<Array>, PjrtError> {
    let avals: Vec<ShapeDtype> = args.iter().map(|a| a.aval().clone()).collect();
    let key = (Arc::as_ptr(&client.inner) as usize, prim.clone(), avals);
    let cached = eager_cache().get(&key);
    let executable = match cached {
        Some(e) => e,
        None => {
            let like: Vec<Array> = args.iter().map(|a| (*a).clone()).collect();
            let program = make_jaxpr(|xs: &Vec<Array>| {
                let refs: Vec<&Array> = xs.iter().collect();
                bind(prim.clone(), &refs)
            })(&like);
            let e = Arc::new(client.compile(&program)?);
            eager_cache().insert(key, e.clone());
            e
        }
    };
    let buffers: Vec<Arc<DeviceBuffer>> = args
        .iter()
        .map(|a| client.buffer_of(a))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&DeviceBuffer> = buffers.iter().map(|b| &**b).collect();
    let outs = executable.execute(&refs)?;
    Ok(outs.into_iter().map(|b| client.wrap(Arc::new(b))).collect())
}

impl Client {
    /// Copies `x` to the default device and returns it as an `Array` that lives there
    /// (`jax.device_put(x)`): eager operations on it run on the device, their results stay
    /// there, and reading its elements (`to_vec`, printing) copies them back. An array already
    /// on this client's device is returned as is.
    ///
    /// ```no_run
    /// use equinox_core::{numpy as jnp, Array};
    /// let client = equinox_pjrt::Client::from_env()?;
    /// let x = client.to_device(&jnp::arange(4.0))?;
    /// let y = (x.exp() * 2.0).sum(None); // both operations run on the device
    /// assert!(client.is_on_device(&y));
    /// println!("{}", y); // copies the result back
    /// # Ok::<(), equinox_pjrt::PjrtError>(())
    /// ```
    pub fn to_device(&self, x: &Array) -> Result<Array, PjrtError> {
        Ok(self.wrap(self.buffer_of(x)?))
    }

    /// The array's elements on the host (`jax.device_get`): for a device array, a copy made
    /// there; a host array is returned as is.
    pub fn to_host(&self, x: &Array) -> Result<Array, PjrtError> {
        match self.resident(x) {
            Some(r) => r.buffer.device_get(),
            None => Ok(x.clone()),
        }
    }

    /// Whether `x` lives on one of this client's devices.
    pub fn is_on_device(&self, x: &Array) -> bool {
        self.resident(x).is_some()
    }

    /// `x`'s buffer on this client's device: its own if it lives there, a copy otherwise.
    pub(crate) fn buffer_of(&self, x: &Array) -> Result<Arc<DeviceBuffer>, PjrtError> {
        match self.resident(x) {
            Some(r) => Ok(r.buffer.clone()),
            None => Ok(Arc::new(self.device_put(x)?)),
        }
    }

    /// A device array holding `buffer`.
    pub(crate) fn wrap(&self, buffer: Arc<DeviceBuffer>) -> Array {
        static REGISTER: std::sync::Once = std::sync::Once::new();
        REGISTER.call_once(|| register_device_backend(eval_on_our_device));
        let aval = buffer.aval().clone();
        Array::from_device(
            Arc::new(Resident {
                client: self.clone(),
                buffer,
            }),
            aval,
        )
    }

    fn resident<'a>(&self, x: &'a Array) -> Option<&'a Resident> {
        let r = x.device_data()?.as_any().downcast_ref::<Resident>()?;
        Arc::ptr_eq(&r.client.inner, &self.inner).then_some(r)
    }
}
