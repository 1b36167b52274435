//! Bits, named as in `jax.numpy`: `bitwise_count`, `packbits`, `unpackbits`.

use super::manipulation::{ravel, swapaxes};
use super::math::{abs, bitwise_and, greater, not_equal};
use super::promotion::convert;
use crate::array::{normalize_axis, Array, DType};
use crate::prims::bind1;
use crate::prims::unary::UnaryOp;

/// `jnp.bitwise_count(x)`: the number of 1 bits in `|x|`, as `uint8` (bools count as 0/1).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0i32, 7, -8, 255], [4]);
/// assert_eq!(jnp::bitwise_count(&x).to_vec::<u8>(), vec![0, 3, 1, 8]);
/// ```
pub fn bitwise_count(x: &Array) -> Array {
    // `promote_args_numeric`: bools count as int32.
    let x = &if x.dtype().is_bool() {
        convert(x, DType::I32, false)
    } else {
        x.clone()
    };
    if !x.dtype().is_integer() {
        panic!(
            "bitwise_count: expected an integer array, got {}",
            x.dtype()
        );
    }
    let a = if x.dtype().is_signed_integer() {
        abs(x)
    } else {
        x.clone()
    };
    bind1(UnaryOp::PopulationCount, &[&a]).astype(DType::U8)
}

/// The order of bits within a byte for [`packbits_with`] and [`unpackbits_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BitOrder {
    /// The first element is the most significant bit (JAX's default).
    #[default]
    Big,
    /// The first element is the least significant bit.
    Little,
}

/// Options of [`packbits_with`] and [`unpackbits_with`]: JAX's defaults are the flattened
/// array, big-endian bit order, and (unpacking) every bit.
#[derive(Clone, Debug, Default)]
pub struct PackbitsOptions {
    /// The axis to pack along (`None`: the flattened array).
    pub axis: Option<isize>,
    /// The order of bits within each byte.
    pub bitorder: BitOrder,
    /// For unpacking only: keep this many bits along the axis (zero-padded past the end).
    pub count: Option<usize>,
}

/// Bit values of positions 0..8 of a byte, as `uint8`.
fn bit_values(order: BitOrder) -> Vec<u8> {
    let mut v: Vec<u8> = (0..8).map(|i| 1u8 << i).collect();
    if order == BitOrder::Big {
        v.reverse();
    }
    v
}

fn to_last(a: &Array, axis: Option<isize>, op: &str) -> (Array, isize) {
    match axis {
        None => (ravel(a), 0),
        Some(ax) => {
            let ax = normalize_axis(ax, a.ndim(), op) as isize;
            (swapaxes(a, ax, -1), ax)
        }
    }
}

/// `jnp.packbits(a)`: the nonzero-ness of the flattened `a` packed eight to a `uint8`, most
/// significant bit first (zero-padded to a multiple of 8).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let b = Array::from_vec(vec![true, true, true, false, false, false, false, false, true], [9]);
/// assert_eq!(jnp::packbits(&b).to_vec::<u8>(), vec![224, 128]);
/// ```
pub fn packbits(a: &Array) -> Array {
    packbits_with(a, PackbitsOptions::default())
}

/// `jnp.packbits(a, axis, bitorder)` (`count` is ignored).
pub fn packbits_with(a: &Array, options: PackbitsOptions) -> Array {
    if !(a.dtype().is_integer() || a.dtype().is_bool()) {
        panic!(
            "packbits: Expected an input array of integer or boolean data type, got {}",
            a.dtype()
        );
    }
    let nz = not_equal(a, &convert(&Array::scalar(0i32), a.dtype(), false)).astype(DType::U8);
    let (arr, axis) = to_last(&nz, options.axis, "packbits");
    let n = arr.shape()[arr.ndim() - 1];
    let arr = if n % 8 != 0 {
        let mut shape = arr.shape().to_vec();
        *shape.last_mut().unwrap() = 8 - n % 8;
        let zeros = super::creation::zeros_dtype(shape, DType::U8);
        crate::lax::concatenate(&[&arr, &zeros], arr.ndim() - 1)
    } else {
        arr
    };
    let mut shape = arr.shape().to_vec();
    let last = shape.pop().unwrap();
    shape.extend([last / 8, 8]);
    let grouped = arr.reshape(shape);
    let bits = Array::from_vec(bit_values(options.bitorder), [8]);
    let packed =
        super::reductions::sum(&(&grouped * &bits).astype(DType::U32), -1).astype(DType::U8);
    swapaxes(&packed, axis, -1)
}

/// `jnp.unpackbits(a)`: the bits of the flattened `uint8` array `a`, most significant first,
/// as a `uint8` array of zeros and ones.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![5u8], [1]);
/// assert_eq!(jnp::unpackbits(&x).to_vec::<u8>(), vec![0, 0, 0, 0, 0, 1, 0, 1]);
/// ```
pub fn unpackbits(a: &Array) -> Array {
    unpackbits_with(a, PackbitsOptions::default())
}

/// `jnp.unpackbits(a, axis, count, bitorder)`.
pub fn unpackbits_with(a: &Array, options: PackbitsOptions) -> Array {
    if a.dtype() != DType::U8 {
        panic!(
            "unpackbits: Expected an input array of unsigned byte data type, got {}",
            a.dtype()
        );
    }
    let (arr, axis) = to_last(a, options.axis, "unpackbits");
    let mut shape = arr.shape().to_vec();
    shape.push(1);
    let bits = Array::from_vec(bit_values(options.bitorder), [8]);
    let un = greater(
        &bitwise_and(&arr.reshape(shape), &bits),
        &Array::scalar(0u8),
    )
    .astype(DType::U8);
    let mut shape = un.shape().to_vec();
    let last = shape.pop().unwrap() * shape.pop().unwrap();
    shape.push(last);
    let mut un = un.reshape(shape);
    if let Some(count) = options.count {
        let ax = un.ndim() - 1;
        let have = un.shape()[ax];
        un = if count > have {
            let mut zshape = un.shape().to_vec();
            zshape[ax] = count - have;
            let z = super::creation::zeros_dtype(zshape, DType::U8);
            crate::lax::concatenate(&[&un, &z], ax)
        } else {
            crate::lax::slice_in_dim(&un, 0, count, 1, ax)
        };
    }
    swapaxes(&un, axis, -1)
}
