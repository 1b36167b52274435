//! A PJRT client: the devices of one plugin, and moving arrays to and from them.

use crate::buffer::{buffer_type, DeviceBuffer};
use crate::error::PjrtError;
use crate::executable::Executable;
use crate::ffi;
use crate::plugin::{text, Plugin};
use equinox_core::jaxpr::ClosedJaxpr;
use equinox_core::Array;
use std::sync::Arc;

/// The plugin's client object, shared by everything made from it (buffers and executables
/// keep it alive).
pub(crate) struct ClientInner {
    pub(crate) plugin: Arc<Plugin>,
    pub(crate) raw: *mut ffi::Client,
}

// SAFETY: PJRT clients are thread-safe (see `Plugin`).
unsafe impl Send for ClientInner {}
// SAFETY: as above.
unsafe impl Sync for ClientInner {}

impl Drop for ClientInner {
    fn drop(&mut self) {
        let mut args = ffi::ClientDestroyArgs::new();
        args.client = self.raw;
        // SAFETY: every buffer and executable holds an `Arc` of this, so none is left.
        let err = unsafe {
            self.plugin
                .api()
                .client_destroy
                .expect("PJRT_Client_Destroy")(&mut args)
        };
        // A failure to shut down cannot be reported from `drop`; the error is freed.
        let _ = self.plugin.check("client shutdown", err);
    }
}

/// One device of a client (`jax.Device`).
#[derive(Clone, Debug)]
pub struct Device {
    pub(crate) raw: *mut ffi::Device,
    id: i32,
    kind: String,
}

// SAFETY: a device handle is an immutable plugin object, valid while its client lives.
unsafe impl Send for Device {}
// SAFETY: as above.
unsafe impl Sync for Device {}

impl Device {
    /// The device's id (`jax.Device.id`).
    pub fn id(&self) -> i32 {
        self.id
    }

    /// The kind of device (`"cpu"`, `"NVIDIA H100 80GB HBM3"`, ...).
    pub fn kind(&self) -> &str {
        &self.kind
    }
}

/// A connection to the devices of one plugin (JAX's backend client): compiles programs and
/// holds arrays on its devices.
///
/// ```no_run
/// use equinox_pjrt::Client;
/// use equinox_core::Array;
/// let client = Client::from_env().unwrap(); // the plugin named by EQX_PJRT_PLUGIN
/// let x = client.device_put(&Array::from_vec(vec![1.0f32, 2.0], [2])).unwrap();
/// assert_eq!(x.device_get().unwrap().to_vec::<f32>(), vec![1.0, 2.0]);
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
    devices: Vec<Device>,
    platform: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("platform", &self.platform)
            .field("devices", &self.devices)
            .field("plugin", &self.inner.plugin)
            .finish()
    }
}

impl Client {
    /// A client of `plugin` with its default options.
    pub fn new(plugin: Arc<Plugin>) -> Result<Client, PjrtError> {
        let api = plugin.api();
        let mut args = ffi::ClientCreateArgs::new();
        // SAFETY: well-formed arguments: no options, no key-value store (one process).
        let err = unsafe { api.client_create.expect("PJRT_Client_Create")(&mut args) };
        plugin.check("client creation", err)?;
        let inner = Arc::new(ClientInner {
            plugin,
            raw: args.client,
        });
        let platform = {
            let mut a = ffi::ClientPlatformNameArgs::new();
            a.client = inner.raw;
            // SAFETY: a live client.
            let err = unsafe {
                inner
                    .plugin
                    .api()
                    .client_platform_name
                    .expect("PJRT_Client_PlatformName")(&mut a)
            };
            inner.plugin.check("reading the platform name", err)?;
            // SAFETY: the name lives as long as the client.
            unsafe { text(a.platform_name, a.platform_name_size) }
        };
        let devices = addressable_devices(&inner)?;
        Ok(Client {
            inner,
            devices,
            platform,
        })
    }

    /// A client of the plugin named by `EQX_PJRT_PLUGIN`.
    pub fn from_env() -> Result<Client, PjrtError> {
        Client::new(Plugin::from_env()?)
    }

    /// The plugin behind this client.
    pub fn plugin(&self) -> &Arc<Plugin> {
        &self.inner.plugin
    }

    /// The platform's name (`"cpu"`, `"cuda"`, ...).
    pub fn platform_name(&self) -> &str {
        &self.platform
    }

    /// The devices this process can use (`jax.local_devices()`).
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// The device programs run on unless told otherwise: the first one.
    pub fn default_device(&self) -> &Device {
        &self.devices[0]
    }

    /// Copies `x` to the default device (`jax.device_put`).
    pub fn device_put(&self, x: &Array) -> Result<DeviceBuffer, PjrtError> {
        self.device_put_on(x, self.default_device())
    }

    /// Copies `x` to `device`.
    pub fn device_put_on(&self, x: &Array, device: &Device) -> Result<DeviceBuffer, PjrtError> {
        let ty = buffer_type(x.dtype())?;
        let bytes = equinox_core::numpy::npy::to_le_bytes(x);
        let dims: Vec<i64> = x.shape().iter().map(|&d| d as i64).collect();
        let mut args = ffi::ClientBufferFromHostBufferArgs::new();
        args.client = self.inner.raw;
        args.data = bytes.as_ptr().cast();
        args.ty = ty;
        args.dims = dims.as_ptr();
        args.num_dims = dims.len();
        args.host_buffer_semantics = ffi::HOST_BUFFER_IMMUTABLE_ONLY_DURING_CALL;
        args.device = device.raw;
        let api = self.inner.plugin.api();
        // SAFETY: `bytes` and `dims` outlive the call, which copies the data.
        let err = unsafe {
            api.client_buffer_from_host_buffer
                .expect("PJRT_Client_BufferFromHostBuffer")(&mut args)
        };
        self.inner.plugin.check("copying to the device", err)?;
        let buffer = DeviceBuffer::from_raw(
            self.inner.clone(),
            args.buffer,
            equinox_core::ShapeDtype::new(x.shape().to_vec(), x.dtype()),
        );
        crate::buffer::await_event(
            &self.inner,
            args.done_with_host_buffer,
            "copying to the device",
        )?;
        Ok(buffer)
    }

    /// Lowers `program` to StableHLO and compiles it for the default device. Its constants are
    /// copied to the device once, here.
    pub fn compile(&self, program: &ClosedJaxpr) -> Result<Executable, PjrtError> {
        Executable::compile(self, program, &[])
    }
}

fn addressable_devices(inner: &Arc<ClientInner>) -> Result<Vec<Device>, PjrtError> {
    let api = inner.plugin.api();
    let mut a = ffi::ClientAddressableDevicesArgs::new();
    a.client = inner.raw;
    // SAFETY: a live client.
    let err = unsafe {
        api.client_addressable_devices
            .expect("PJRT_Client_AddressableDevices")(&mut a)
    };
    inner.plugin.check("listing devices", err)?;
    let mut devices = Vec::with_capacity(a.num_addressable_devices);
    for i in 0..a.num_addressable_devices {
        // SAFETY: the plugin returned `num_addressable_devices` handles.
        let raw = unsafe { *a.addressable_devices.add(i) };
        let mut d = ffi::DeviceGetDescriptionArgs::new();
        d.device = raw;
        // SAFETY: a live device.
        let err = unsafe {
            api.device_get_description
                .expect("PJRT_Device_GetDescription")(&mut d)
        };
        inner.plugin.check("describing a device", err)?;
        let mut id = ffi::DeviceDescriptionIdArgs::new();
        id.device_description = d.device_description;
        // SAFETY: a live description.
        let err = unsafe {
            api.device_description_id
                .expect("PJRT_DeviceDescription_Id")(&mut id)
        };
        inner.plugin.check("describing a device", err)?;
        let mut kind = ffi::DeviceDescriptionKindArgs::new();
        kind.device_description = d.device_description;
        // SAFETY: a live description.
        let err = unsafe {
            api.device_description_kind
                .expect("PJRT_DeviceDescription_Kind")(&mut kind)
        };
        inner.plugin.check("describing a device", err)?;
        devices.push(Device {
            raw,
            id: id.id,
            // SAFETY: lives as long as the client.
            kind: unsafe { text(kind.device_kind, kind.device_kind_size) },
        });
    }
    if devices.is_empty() {
        return Err(PjrtError::Argument(format!(
            "the PJRT plugin {} reports no addressable devices",
            inner.plugin.path().display()
        )));
    }
    Ok(devices)
}
