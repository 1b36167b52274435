//! Arrays that live on a device.

use crate::client::ClientInner;
use crate::error::PjrtError;
use crate::ffi;
use equinox_core::{Array, DType, ShapeDtype};
use std::ffi::c_int;
use std::sync::Arc;

/// An array held in a device's memory (a `jax.Array` committed to one device). Reading it
/// ([`DeviceBuffer::device_get`]) copies it back.
pub struct DeviceBuffer {
    client: Arc<ClientInner>,
    pub(crate) raw: *mut ffi::Buffer,
    aval: ShapeDtype,
}

// SAFETY: PJRT buffers may be used from any thread.
unsafe impl Send for DeviceBuffer {}
// SAFETY: as above; reads do not mutate.
unsafe impl Sync for DeviceBuffer {}

impl std::fmt::Debug for DeviceBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceBuffer({})", self.aval)
    }
}

impl Drop for DeviceBuffer {
    fn drop(&mut self) {
        let mut args = ffi::BufferDestroyArgs::new();
        args.buffer = self.raw;
        // SAFETY: the buffer is owned here and not used after.
        let err = unsafe {
            self.client
                .plugin
                .api()
                .buffer_destroy
                .expect("PJRT_Buffer_Destroy")(&mut args)
        };
        let _ = self.client.plugin.check("freeing a buffer", err);
    }
}

impl DeviceBuffer {
    pub(crate) fn from_raw(
        client: Arc<ClientInner>,
        raw: *mut ffi::Buffer,
        aval: ShapeDtype,
    ) -> DeviceBuffer {
        DeviceBuffer { client, raw, aval }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.aval.shape
    }

    /// The dtype.
    pub fn dtype(&self) -> DType {
        self.aval.dtype
    }

    /// The shape and dtype.
    pub fn aval(&self) -> &ShapeDtype {
        &self.aval
    }

    /// Copies the array back to the host (`jax.device_get`), waiting for the computation
    /// producing it.
    pub fn device_get(&self) -> Result<Array, PjrtError> {
        let size = self.aval.shape.iter().product::<usize>() * self.aval.dtype.size_in_bytes();
        let mut bytes = vec![0u8; size];
        let mut args = ffi::BufferToHostBufferArgs::new();
        args.src = self.raw;
        args.dst = bytes.as_mut_ptr().cast();
        args.dst_size = size;
        let api = self.client.plugin.api();
        // SAFETY: `bytes` has the buffer's dense size and outlives the awaited copy.
        let err =
            unsafe { api.buffer_to_host_buffer.expect("PJRT_Buffer_ToHostBuffer")(&mut args) };
        self.client.plugin.check("copying to the host", err)?;
        await_event(&self.client, args.event, "copying to the host")?;
        Ok(equinox_core::numpy::npy::from_le_bytes(
            self.aval.dtype,
            &self.aval.shape,
            &bytes,
        ))
    }
}

/// Waits for `event` (if any), frees it and returns its error.
pub(crate) fn await_event(
    client: &ClientInner,
    event: *mut ffi::Event,
    during: &'static str,
) -> Result<(), PjrtError> {
    if event.is_null() {
        return Ok(());
    }
    let api = client.plugin.api();
    let mut wait = ffi::EventAwaitArgs::new();
    wait.event = event;
    // SAFETY: a live event.
    let err = unsafe { api.event_await.expect("PJRT_Event_Await")(&mut wait) };
    let result = client.plugin.check(during, err);
    let mut destroy = ffi::EventDestroyArgs::new();
    destroy.event = event;
    // SAFETY: the event is not used after this.
    let err = unsafe { api.event_destroy.expect("PJRT_Event_Destroy")(&mut destroy) };
    result.and(client.plugin.check(during, err))
}

/// The `PJRT_Buffer_Type` of a dtype.
pub(crate) fn buffer_type(dtype: DType) -> Result<c_int, PjrtError> {
    Ok(match dtype {
        DType::Bool => 1,
        DType::I8 => 2,
        DType::I16 => 3,
        DType::I32 => 4,
        DType::I64 => 5,
        DType::U8 => 6,
        DType::U16 => 7,
        DType::U32 => 8,
        DType::U64 => 9,
        DType::F16 => 10,
        DType::F32 => 11,
        DType::F64 => 12,
        DType::BF16 => 13,
        DType::C64 => 14,
        DType::C128 => 15,
        DType::F8E5M2 => 16,
        DType::F8E4M3Fn => 17,
        DType::F8E4M3B11Fnuz => 18,
        DType::F8E5M2Fnuz => 19,
        DType::F8E4M3Fnuz => 20,
        DType::F8E4M3 => 26,
        DType::F8E3M4 => 27,
        DType::F8E8M0Fnu => 28,
        // PJRT packs 4-bit floats two to a byte; ours are one per byte.
        DType::F4E2M1Fn => {
            return Err(PjrtError::Argument(
                "float4_e2m1fn arrays cannot be moved to a PJRT device yet".to_string(),
            ))
        }
    })
}
