//! The `Array` type: an immutable, cheaply cloned n-dimensional array.

use super::aval::ShapeDtype;
use super::device::{DeviceArray, DeviceData};
use super::dtype::DType;
use super::element::{cast, ArrayElement};
use super::shape::Shape;
use super::storage::Storage;
use crate::trace::{Payload, TracerBox};
use std::sync::Arc;

/// An immutable n-dimensional array: a reference-counted, contiguous row-major buffer plus its
/// shape and dtype.
///
/// `Clone` is cheap (a reference-count increment) and `Array` is `Send + Sync`, so arrays move
/// freely between threads. All computation goes through the lax-level primitives
/// ([`crate::prims`]), so every method and `numpy` function works the same under the
/// transformations.
///
/// ```
/// use equinox_core::{Array, DType};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// assert_eq!(x.shape(), &[2, 2]);
/// assert_eq!(x.dtype(), DType::F32);
/// let y = &x * 2.0 + 1.0;
/// assert_eq!(y.to_vec::<f32>(), vec![3.0, 5.0, 7.0, 9.0]);
/// ```
#[derive(Clone)]
pub struct Array {
    aval: ShapeDtype,
    data: Data,
}

/// Where an array's elements are.
#[derive(Clone)]
enum Data {
    /// A concrete buffer.
    Concrete(Arc<Storage>),
    /// No elements: a leaf removed by a filter (Equinox's `None` after `eqx.partition`). It keeps
    /// its abstract value so the filtered tree keeps its Rust type and can be recombined.
    FilteredOut,
    /// A value inside a transformation (jvp, vmap, staging). The payload is plain shared data,
    /// so `Array` stays `Send + Sync`; the trace that owns it is found by its tag in the
    /// thread's chain of active traces, and a tracer whose trace has ended is an escaped tracer.
    Tracer(Arc<TracerBox>),
    /// Elements on another backend's device (see [`DeviceData`]), copied to the host when read.
    Device(Arc<DeviceArray>),
}

impl Array {
    /// Wraps a storage with a shape; panics if the sizes disagree.
    pub fn from_storage(storage: Storage, shape: impl Into<Shape>) -> Array {
        let shape = shape.into();
        assert_eq!(
            storage.len(),
            shape.size(),
            "Array::from_storage: {} elements do not fill shape {shape}",
            storage.len()
        );
        Array {
            aval: ShapeDtype::new(shape, storage.dtype()),
            data: Data::Concrete(Arc::new(storage)),
        }
    }

    /// A placeholder for a leaf removed by a filter (what Equinox represents as `None` after
    /// `eqx.filter`/`eqx.partition`). It has `aval`'s shape and dtype but no elements; any
    /// computation on it panics with a message saying the leaf was filtered out.
    pub fn filtered_out(aval: ShapeDtype) -> Array {
        Array {
            aval,
            data: Data::FilteredOut,
        }
    }

    /// True for a placeholder made by [`Array::filtered_out`].
    pub fn is_filtered_out(&self) -> bool {
        matches!(self.data, Data::FilteredOut)
    }

    /// A tracer of the trace tagged `tag` carrying `payload`, with abstract value `aval`.
    pub(crate) fn new_tracer(aval: ShapeDtype, tag: u64, payload: Payload) -> Array {
        Array {
            aval,
            data: Data::Tracer(Arc::new(TracerBox { tag, payload })),
        }
    }

    /// The tracer's tag and payload, if this array is a tracer.
    #[inline]
    pub(crate) fn tracer(&self) -> Option<&TracerBox> {
        match &self.data {
            Data::Tracer(t) => Some(t),
            _ => None,
        }
    }

    /// True when this array is a tracer: an abstract value inside a transformation (jit, grad,
    /// vmap, ...) whose elements are not available.
    pub fn is_tracer(&self) -> bool {
        matches!(self.data, Data::Tracer(_))
    }

    /// True when this array has elements (neither a tracer nor a filtered-out placeholder),
    /// on the host or on a device.
    pub fn is_concrete(&self) -> bool {
        matches!(self.data, Data::Concrete(_) | Data::Device(_))
    }

    /// An array whose elements `data` holds on a device (what a device backend's
    /// `device_put` returns). Eager operations on it run on that device; reading its elements
    /// (`to_vec`, printing, the CPU executor) copies them to the host once.
    pub fn from_device(data: Arc<dyn DeviceData>, aval: ShapeDtype) -> Array {
        Array {
            aval,
            data: Data::Device(Arc::new(DeviceArray::new(data))),
        }
    }

    /// The device data of an array made by [`Array::from_device`].
    pub fn device_data(&self) -> Option<&Arc<dyn DeviceData>> {
        match &self.data {
            Data::Device(d) => Some(&d.data),
            _ => None,
        }
    }

    /// An identity for the value behind this handle: the buffer's or the tracer's address.
    /// Clones share it. Used by staging to capture one outer value once.
    pub(crate) fn value_id(&self) -> usize {
        match &self.data {
            Data::Concrete(s) => Arc::as_ptr(s) as *const u8 as usize,
            Data::Tracer(t) => Arc::as_ptr(t) as *const u8 as usize,
            Data::Device(d) => Arc::as_ptr(d) as *const u8 as usize,
            Data::FilteredOut => 0,
        }
    }

    /// An array sharing `data` under another abstract value (zero-copy reshape, weak-type
    /// change). The aval's dtype and size must match the buffer.
    pub(crate) fn from_shared(data: Arc<Storage>, aval: ShapeDtype) -> Array {
        debug_assert_eq!(data.dtype(), aval.dtype);
        debug_assert_eq!(data.len(), aval.size());
        Array {
            aval,
            data: Data::Concrete(data),
        }
    }

    /// The shared buffer (for zero-copy primitives such as `reshape`).
    /// The buffer, if this is a concrete array (for donation: the caller gave it up).
    pub(crate) fn into_shared_storage(self) -> Option<Arc<Storage>> {
        match self.data {
            Data::Concrete(s) => Some(s),
            // The host copy stays shared with the device array, so it is never written in place.
            Data::Device(d) => Some(d.host().clone()),
            _ => None,
        }
    }

    pub(crate) fn shared_storage(&self) -> &Arc<Storage> {
        match &self.data {
            Data::Concrete(s) => s,
            Data::Device(d) => d.host(),
            Data::FilteredOut => self.panic_filtered_out("reading the buffer"),
            Data::Tracer(t) => crate::trace::panic_concretization(&self.aval, t),
        }
    }

    #[cold]
    fn panic_filtered_out(&self, doing: &str) -> ! {
        panic!(
            "{doing}: this {} leaf was filtered out (it is a placeholder left by filter/partition); \
             combine the partitions before computing with it",
            self.aval
        )
    }

    /// Builds an array from a vector of elements in row-major order.
    ///
    /// Panics if `data.len()` is not the product of `shape`.
    pub fn from_vec<T: ArrayElement>(data: Vec<T>, shape: impl Into<Shape>) -> Array {
        let shape = shape.into();
        assert_eq!(
            data.len(),
            shape.size(),
            "Array::from_vec: {} elements given for shape {shape} ({} elements expected)",
            data.len(),
            shape.size()
        );
        Array::from_storage(T::into_storage(data), shape)
    }

    /// Builds an array by copying a slice.
    pub fn from_slice<T: ArrayElement>(data: &[T], shape: impl Into<Shape>) -> Array {
        Array::from_vec(data.to_vec(), shape)
    }

    /// A 0-d array holding `v` (strongly typed: `Array::scalar(2.0f32)` is `f32`).
    pub fn scalar<T: ArrayElement>(v: T) -> Array {
        Array::from_vec(vec![v], Shape::scalar())
    }

    /// A weakly typed 0-d array, what a Rust scalar becomes in arithmetic (`x * 2.0`).
    ///
    /// Like a Python scalar in JAX it takes the other operand's dtype: `f32_array * 0.1`
    /// multiplies by `0.1f32` and `f64_array * 0.1` by `0.1f64`. So that this conversion happens
    /// once, the value is carried at its own precision: `f64` values as weak `float64`, other
    /// floats as weak `float32`, complex values as weak complex of their own precision, `i64`/`u32` values as weak `int64`, `u64` values as
    /// weak `uint64`, other integers as weak `int32`. A result that stays weak is `float32`/`int32`, as in JAX's default mode.
    pub fn weak_scalar<T: ArrayElement>(v: T) -> Array {
        let a = match T::DTYPE {
            DType::F64 => Array::scalar(v.to_f64()),
            d if d.is_float() => Array::scalar(v.to_f64() as f32),
            DType::C64 | DType::C128 => Array::scalar(v),
            DType::I64 | DType::U32 => Array::scalar(v.to_i64()),
            // `to_i64` wraps a u64 above i64::MAX; its bits are the value.
            DType::U64 => Array::scalar(v.to_i64() as u64),
            DType::Bool => return Array::scalar(v),
            _ => Array::scalar(v.to_i64() as i32),
        };
        a.with_weak_type(true)
    }

    /// The same data with the weak-type flag set to `weak`.
    pub(crate) fn with_weak_type(mut self, weak: bool) -> Array {
        self.aval.weak_type = weak;
        self
    }

    /// The shape as a slice of dimension sizes.
    pub fn shape(&self) -> &[usize] {
        &self.aval.shape
    }

    /// The shape as a [`Shape`].
    pub fn shape_obj(&self) -> &Shape {
        &self.aval.shape
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.aval.dtype
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.aval.shape.ndim()
    }

    /// Number of elements.
    pub fn size(&self) -> usize {
        self.aval.shape.size()
    }

    /// Whether the dtype is weak (the array came from a Rust scalar).
    pub fn weak_type(&self) -> bool {
        self.aval.weak_type
    }

    /// The abstract value (shape, dtype, weak type).
    pub fn aval(&self) -> &ShapeDtype {
        &self.aval
    }

    /// The underlying buffer. Kernels read it; everything else uses primitives.
    pub fn storage(&self) -> &Storage {
        self.shared_storage()
    }

    /// Borrows the elements as a slice of `T`; panics if `T` is not the array's dtype.
    pub fn as_slice<T: ArrayElement>(&self) -> &[T] {
        T::slice(self.storage()).unwrap_or_else(|| {
            panic!(
                "Array::as_slice: the array has dtype {}, not {}",
                self.dtype(),
                T::DTYPE
            )
        })
    }

    /// Copies the elements out in row-major order, converting to `T` with XLA's `convert`
    /// semantics when `T` is not the array's dtype.
    pub fn to_vec<T: ArrayElement>(&self) -> Vec<T> {
        if let Some(s) = T::slice(self.storage()) {
            return s.to_vec();
        }
        crate::with_storage!(self.storage(), v => v.iter().map(|x| cast(*x)).collect())
    }

    /// The single element of a 0-d (or size-1) array, converted to `T`.
    pub fn item<T: ArrayElement>(&self) -> T {
        assert_eq!(
            self.size(),
            1,
            "Array::item: the array has shape {} ({} elements); item needs exactly one",
            self.shape_obj(),
            self.size()
        );
        self.to_vec::<T>()[0]
    }

    /// The address of the array's buffer (`jax.Array.unsafe_buffer_pointer`): to see which
    /// arrays share memory, e.g. that a donated argument's buffer now holds a result. Panics
    /// for tracers and filtered-out leaves, which have no buffer.
    ///
    /// ```
    /// use equinox_core::Array;
    /// let x = Array::from_vec(vec![1.0f32, 2.0], [2]);
    /// assert_eq!(x.clone().unsafe_buffer_pointer(), x.unsafe_buffer_pointer());
    /// ```
    pub fn unsafe_buffer_pointer(&self) -> usize {
        Arc::as_ptr(self.shared_storage()) as usize
    }

    /// True when both handles point at the same buffer (no element comparison).
    pub fn ptr_eq(&self, other: &Array) -> bool {
        match (&self.data, &other.data) {
            (Data::Concrete(a), Data::Concrete(b)) => Arc::ptr_eq(a, b),
            (Data::Tracer(a), Data::Tracer(b)) => Arc::ptr_eq(a, b),
            (Data::Device(a), Data::Device(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl<T: ArrayElement> From<T> for Array {
    /// A strongly typed 0-d array.
    fn from(v: T) -> Array {
        Array::scalar(v)
    }
}
