//! Arrays whose elements live on another backend's device (a PJRT plugin's buffer), as JAX's
//! arrays committed to a device.
//!
//! The core knows them through [`DeviceData`] only, so it links no backend: reading their
//! elements on the host copies them over once (the copy is kept). Running primitives on them
//! is the primitive layer's business (`prims::device`, where backends register).
//! Transformations trace them like any concrete array.

use super::storage::Storage;
use super::Array;
use std::any::Any;
use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, OnceLock};

/// The elements of an array held by a device backend (implemented by `equinox-pjrt`). Unwind
/// safety is required so that `Array` keeps it (arrays cross `catch_unwind`).
pub trait DeviceData: Send + Sync + RefUnwindSafe + UnwindSafe + 'static {
    /// Copies the elements to the host, as a host array of the same shape and dtype. A failed
    /// transfer panics with the backend's message (reading an array's elements has no error
    /// path, as in JAX, where it raises).
    fn to_host(&self) -> Array;

    /// The backend's own type, so it can recognise its buffers among the arguments.
    fn as_any(&self) -> &dyn Any;

    /// Where the elements are, for messages and printing (`"cpu:0 of xla_cpu_pjrt.so"`).
    fn describe(&self) -> String;
}

/// A device array's data and, once its elements were read on the host, their host copy.
pub(crate) struct DeviceArray {
    pub(crate) data: Arc<dyn DeviceData>,
    host: OnceLock<Arc<Storage>>,
}

impl DeviceArray {
    pub(crate) fn new(data: Arc<dyn DeviceData>) -> DeviceArray {
        DeviceArray {
            data,
            host: OnceLock::new(),
        }
    }

    /// The host copy, made on first use.
    pub(crate) fn host(&self) -> &Arc<Storage> {
        self.host.get_or_init(|| {
            // The host array's own buffer becomes the copy: no second copy of the elements.
            self.data
                .to_host()
                .into_shared_storage()
                .expect("DeviceData::to_host returns a host array")
        })
    }
}

impl fmt::Debug for DeviceArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceArray({})", self.data.describe())
    }
}
