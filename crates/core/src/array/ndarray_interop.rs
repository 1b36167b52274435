//! Conversions between [`Array`] and `ndarray::ArrayD`, compiled with the `ndarray` feature
//! (off by default, so a build that does not convert does not compile ndarray).

use super::array::Array;
use super::element::Element;
use super::shape::Shape;
use ndarray::{ArrayD, IxDyn};
use std::fmt;

/// Error returned when an [`Array`] cannot be converted to an `ndarray` of the requested type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DTypeMismatch {
    /// The dtype the caller asked for.
    pub expected: super::DType,
    /// The dtype the array has.
    pub found: super::DType,
}

impl fmt::Display for DTypeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot convert an array of dtype {} to an ndarray of {}",
            self.found, self.expected
        )
    }
}

impl std::error::Error for DTypeMismatch {}

impl<T: Element> From<ArrayD<T>> for Array {
    /// Copies an `ndarray` (any memory layout) into a row-major [`Array`].
    fn from(a: ArrayD<T>) -> Array {
        let shape = Shape::new(a.shape());
        let data: Vec<T> = if a.is_standard_layout() {
            a.into_raw_vec_and_offset().0
        } else {
            a.iter().copied().collect()
        };
        Array::from_vec(data, shape)
    }
}

impl<T: Element> TryFrom<&Array> for ArrayD<T> {
    type Error = DTypeMismatch;
    /// Copies an [`Array`] into an `ndarray`; the dtype must be exactly `T`.
    fn try_from(a: &Array) -> Result<ArrayD<T>, DTypeMismatch> {
        let data = T::slice(a.storage()).ok_or(DTypeMismatch {
            expected: T::DTYPE,
            found: a.dtype(),
        })?;
        Ok(ArrayD::from_shape_vec(IxDyn(a.shape()), data.to_vec())
            .expect("an Array's buffer always fills its shape"))
    }
}

impl Array {
    /// Copies the array into an `ndarray::ArrayD<T>`; the dtype must be exactly `T`. Needs the
    /// `ndarray` feature.
    ///
    /// ```
    /// use equinox_core::Array;
    /// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
    /// let nd: ndarray::ArrayD<f32> = a.to_ndarray().unwrap();
    /// assert_eq!(nd.shape(), &[2, 3]);
    /// assert_eq!(nd[[1, 0]], 4.0);
    /// // Back again, from any memory layout: a transposed view copies in logical order.
    /// let t = Array::from(nd.t().to_owned());
    /// assert_eq!(t.to_vec::<f32>(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// assert!(a.to_ndarray::<f64>().is_err());
    /// ```
    pub fn to_ndarray<T: Element>(&self) -> Result<ArrayD<T>, DTypeMismatch> {
        ArrayD::try_from(self)
    }
}
