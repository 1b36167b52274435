//! Abstract values: what tracing, shape rules and `eval_shape` know about an array.

use super::dtype::DType;
use super::shape::Shape;
use std::fmt;

/// Shape and dtype of an array, plus JAX's weak-type flag (JAX's `ShapedArray`).
///
/// A weakly typed value comes from a Rust scalar literal and takes the other operand's dtype in
/// promotion (`f32 array * 2.0` stays `f32`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ShapeDtype {
    /// The dimensions.
    pub shape: Shape,
    /// The element type.
    pub dtype: DType,
    /// Whether the dtype is weak (came from a Rust scalar).
    pub weak_type: bool,
}

impl ShapeDtype {
    /// A strongly typed abstract value.
    pub fn new(shape: impl Into<Shape>, dtype: DType) -> ShapeDtype {
        let shape = shape.into();
        // Every array, concrete or traced, has an aval: refusing overflowing shapes here keeps
        // element counts, strides and byte lengths computed from any array's shape in range.
        if let Some(why) = unaddressable(&shape, dtype) {
            panic!("array: {why}");
        }
        ShapeDtype {
            shape,
            dtype,
            weak_type: false,
        }
    }

    /// Number of elements.
    pub fn size(&self) -> usize {
        self.shape.size()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.ndim()
    }

    /// The same value with another weak-type flag.
    pub fn with_weak(mut self, weak_type: bool) -> ShapeDtype {
        self.weak_type = weak_type;
        self
    }

    /// The aval as JAX's error messages write it (`str(aval)`): the full dtype name, then the
    /// sizes, `float32[4,3]` (the [`Display`](fmt::Display) form is the jaxpr's `f32[4,3]`).
    pub fn type_str(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(|d| d.to_string()).collect();
        format!("{}[{}]", self.dtype.name(), dims.join(","))
    }
}

/// Prints like JAX's short aval form: `f32[4,3]`.
impl fmt::Display for ShapeDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[", self.dtype.short_name())?;
        for (i, d) in self.shape.iter().enumerate() {
            if i > 0 {
                write!(f, ",")?;
            }
            write!(f, "{d}")?;
        }
        write!(f, "]")
    }
}

impl fmt::Debug for ShapeDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)?;
        if self.weak_type {
            write!(f, "{{weak}}")?;
        }
        Ok(())
    }
}

/// Why an array of `shape` and `dtype` is not addressable, or `None` if it is: its element
/// count and its byte length (non-zero dimensions times the item size) must both fit `isize`,
/// as numpy requires. Every buffer is sized from an aval, so checking avals keeps each
/// allocation's length from wrapping around.
pub(crate) fn unaddressable(shape: &Shape, dtype: DType) -> Option<String> {
    if shape.checked_size().is_none() {
        return Some(format!(
            "the shape {shape} is too big: the product of its non-zero dimensions exceeds \
             isize::MAX elements"
        ));
    }
    let itemsize = dtype.size_in_bytes();
    shape.checked_nbytes(itemsize).is_none().then(|| {
        format!(
            "the shape {shape} is too big for {dtype}: the product of its non-zero dimensions \
             times {itemsize} bytes per element exceeds isize::MAX bytes"
        )
    })
}
