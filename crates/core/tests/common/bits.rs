//! Arrays as the bit patterns of their elements, for goldens that compare bits exactly: NaN
//! payloads, signed zeros and float8 NaN codes included. A golden array is
//! `{"dtype", "shape", "hex"}`, "hex" being each element's unsigned bit pattern as fixed-width
//! hex (two digits per byte; bool is one byte, 00 or 01).

use super::golden_dtype as dtype;
use equinox_core::{lax, Array, DType};
use serde_json::Value;

/// The fixed-width hex bit patterns of a golden string, `width` bytes each.
pub fn hex_bits(hex: &str, width: usize) -> Vec<u64> {
    let digits = 2 * width;
    assert_eq!(
        hex.len() % digits,
        0,
        "hex length {} for width {width}",
        hex.len()
    );
    (0..hex.len() / digits)
        .map(|i| u64::from_str_radix(&hex[i * digits..(i + 1) * digits], 16).unwrap())
        .collect()
}

/// The unsigned dtype of a width in bytes.
pub fn uint_of_width(width: usize) -> DType {
    match width {
        1 => DType::U8,
        2 => DType::U16,
        4 => DType::U32,
        8 => DType::U64,
        w => panic!("no unsigned dtype of {w} bytes"),
    }
}

/// An array of `d` with the given element bit patterns.
pub fn from_bits(bits: &[u64], shape: Vec<usize>, d: DType) -> Array {
    if d == DType::Bool {
        return Array::from_vec(bits.iter().map(|&b| b != 0).collect::<Vec<bool>>(), shape);
    }
    let u = uint_of_width(d.size_in_bytes());
    let raw = match u {
        DType::U8 => Array::from_vec(bits.iter().map(|&b| b as u8).collect::<Vec<_>>(), shape),
        DType::U16 => Array::from_vec(bits.iter().map(|&b| b as u16).collect::<Vec<_>>(), shape),
        DType::U32 => Array::from_vec(bits.iter().map(|&b| b as u32).collect::<Vec<_>>(), shape),
        _ => Array::from_vec(bits.to_vec(), shape),
    };
    if d == u {
        raw
    } else {
        lax::bitcast_convert_type(&raw, d)
    }
}

/// The element bit patterns of an array, zero-extended.
pub fn bits_of(a: &Array) -> Vec<u64> {
    let d = a.dtype();
    if d == DType::Bool {
        return a.to_vec::<bool>().into_iter().map(u64::from).collect();
    }
    let u = uint_of_width(d.size_in_bytes());
    let raw = if d == u {
        a.clone()
    } else {
        lax::bitcast_convert_type(a, u)
    };
    raw.to_vec::<u64>()
}

/// A golden array `{"dtype", "shape", "hex"}`.
pub fn array(v: &Value) -> Array {
    let d = dtype(v["dtype"].as_str().unwrap());
    let shape = equinox_testing::golden::sizes(&v["shape"]);
    let width = if d == DType::Bool {
        1
    } else {
        d.size_in_bytes()
    };
    from_bits(&hex_bits(v["hex"].as_str().unwrap(), width), shape, d)
}

/// Describes the first few differing elements, or `None` when the bits agree.
pub fn mismatch(got: &[u64], want: &[u64], inputs: Option<&[u64]>) -> Option<String> {
    if got.len() != want.len() {
        return Some(format!("{} elements, want {}", got.len(), want.len()));
    }
    let bad: Vec<usize> = (0..got.len()).filter(|&i| got[i] != want[i]).collect();
    if bad.is_empty() {
        return None;
    }
    let shown: Vec<String> = bad
        .iter()
        .take(6)
        .map(|&i| {
            let input = inputs.map_or(String::new(), |x| format!(" input {:#x}", x[i]));
            format!("[{i}]{input}: got {:#x} want {:#x}", got[i], want[i])
        })
        .collect();
    Some(format!(
        "{} of {} differ: {}",
        bad.len(),
        got.len(),
        shown.join("; ")
    ))
}

/// Asserts that `got` has `want`'s dtype, shape and element bits; `what` names the case.
pub fn assert_bits(got: &Array, want: &Array, what: &str) {
    assert_eq!(
        (got.dtype(), got.shape()),
        (want.dtype(), want.shape()),
        "{what}"
    );
    if let Some(m) = mismatch(&bits_of(got), &bits_of(want), None) {
        panic!("{what}: {m}");
    }
}
