//! `jnp.save` / `jnp.load` and the `.npy` record codec: every dtype round trips bit for bit, a
//! file laid out by numpy's format reads back, and damaged data is an `Err`, never a panic.

use equinox_core::numpy::{self as jnp, npy, NpyError};
use equinox_core::{
    Array, Complex32, Complex64, DType, ShapeDtype, ALL_DTYPES, COMPLEX_DTYPES, FLOAT4_DTYPES,
    FLOAT8_DTYPES,
};
use std::path::PathBuf;

/// Every dtype the codec stores.
fn every_dtype() -> Vec<DType> {
    [
        &ALL_DTYPES[..],
        &COMPLEX_DTYPES[..],
        &FLOAT8_DTYPES[..],
        &FLOAT4_DTYPES[..],
    ]
    .concat()
}

/// A `(2, 3)` array of `dtype` whose bytes vary (NaN payloads and negative zeros included for
/// the floats), so a codec that converted values instead of copying bits would show.
fn patterned(dtype: DType) -> Array {
    let len = 6 * dtype.size_in_bytes();
    let bytes: Vec<u8> = (0..len)
        .map(|i| match dtype {
            // numpy's booleans are the bytes 0 and 1.
            DType::Bool => (i % 2) as u8,
            _ => (i as u8).wrapping_mul(97).wrapping_add(0x7b),
        })
        .collect();
    npy::from_le_bytes(dtype, &[2, 3], &bytes)
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("eqx-npy-{}-{name}", std::process::id()))
}

/// A `.npy` version 1.0 record laid out as numpy writes it: magic, version, little-endian
/// header length, the header dict, spaces and a newline up to a multiple of 64 bytes, the data.
fn numpy_record(dict: &str, data: &[u8]) -> Vec<u8> {
    let unpadded = 10 + dict.len() + 1;
    let padded = unpadded.div_ceil(64) * 64;
    let header_len = (padded - 10) as u16;
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(padded - 1, b' ');
    out.push(b'\n');
    out.extend_from_slice(data);
    out
}

#[test]
fn every_dtype_round_trips_bit_for_bit_in_memory_and_through_files() {
    for dtype in every_dtype() {
        let a = patterned(dtype);
        let mut buf = Vec::new();
        let len = jnp::write_npy(&mut buf, &a).unwrap();
        assert_eq!(len as usize, buf.len(), "{dtype}");
        assert_eq!(buf.len(), 128 + 6 * dtype.size_in_bytes(), "{dtype}");

        // With a template every dtype comes back as itself; without one a 1-byte void is
        // float8_e4m3fn (which narrow float it was, only a template can say).
        let like = ShapeDtype::new([2, 3], dtype);
        let back = jnp::read_npy_like(buf.as_slice(), &like).unwrap();
        assert_eq!(back.dtype(), dtype);
        assert_eq!(back.shape(), &[2, 3]);
        assert_eq!(npy::to_le_bytes(&back), npy::to_le_bytes(&a), "{dtype}");
        let plain = jnp::read_npy(buf.as_slice()).unwrap();
        let expected = if dtype.is_narrow_float() {
            DType::F8E4M3Fn
        } else {
            dtype
        };
        assert_eq!(plain.dtype(), expected);
        assert_eq!(npy::to_le_bytes(&plain), npy::to_le_bytes(&a), "{dtype}");

        let path = temp_path(&format!("{dtype}.npy"));
        jnp::save(&path, &a).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), buf, "{dtype}");
        let loaded = jnp::load(&path).unwrap();
        assert_eq!(npy::to_le_bytes(&loaded), npy::to_le_bytes(&a), "{dtype}");
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn save_appends_npy_like_numpy() {
    let base = temp_path("suffix");
    jnp::save(&base, &jnp::ones([2])).unwrap();
    let with_suffix = PathBuf::from(format!("{}.npy", base.display()));
    assert!(!base.exists());
    assert_eq!(jnp::load(&with_suffix).unwrap().to_vec::<f32>(), [1.0, 1.0]);
    std::fs::remove_file(&with_suffix).unwrap();
}

#[test]
fn a_file_in_numpys_layout_reads_back() {
    let values = [0.5f32, -1.0, 2.25, 3.0, -0.0, 1e-3];
    let data: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    let bytes = numpy_record(dict, &data);
    // The dict and the 10 bytes before it need more than 64 bytes: the header fills 128.
    assert_eq!(bytes.len(), 128 + data.len());

    let path = temp_path("numpy-layout.npy");
    std::fs::write(&path, &bytes).unwrap();
    let a = jnp::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(a.dtype(), DType::F32);
    assert_eq!(a.shape(), &[2, 3]);
    let bits = |v: Vec<f32>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(a.to_vec::<f32>()), bits(values.to_vec()));
}

#[test]
fn fortran_order_and_big_endian_records_read_as_their_logical_array() {
    // Column-major data of [[1, 2, 3], [4, 5, 6]], big-endian.
    let data: Vec<u8> = [1i32, 4, 2, 5, 3, 6]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    let dict = "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }";
    let a = jnp::read_npy(numpy_record(dict, &data).as_slice()).unwrap();
    assert_eq!(a.dtype(), DType::I32);
    assert_eq!(a.to_vec::<i32>(), [1, 2, 3, 4, 5, 6]);

    // A big-endian complex number swaps each part's bytes, not the pair.
    let data: Vec<u8> = [1.5f32, -2.0]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    let dict = "{'descr': '>c8', 'fortran_order': False, 'shape': (1,), }";
    let z = jnp::read_npy(numpy_record(dict, &data).as_slice()).unwrap();
    assert_eq!(z.to_vec::<Complex32>(), [Complex32::new(1.5, -2.0)]);
}

#[test]
fn complex_records_store_the_real_part_then_the_imaginary_part() {
    let z = Array::from_vec(
        vec![Complex64::new(1.5, -2.0), Complex64::new(-0.0, 3.25)],
        [2],
    );
    for (a, descr) in [(z.astype(DType::C64), "'<c8'"), (z.clone(), "'<c16'")] {
        let mut buf = Vec::new();
        jnp::write_npy(&mut buf, &a).unwrap();
        assert!(String::from_utf8_lossy(&buf[..64]).contains(descr));
        let data = &buf[buf.len() - 2 * a.dtype().size_in_bytes()..];
        let half = a.dtype().size_in_bytes() / 2;
        let real = npy::to_le_bytes(&equinox_core::lax::real(&a));
        assert_eq!(&data[..half], &real[..half]);
        let back = jnp::read_npy(buf.as_slice()).unwrap();
        assert_eq!(back.dtype(), a.dtype());
        assert_eq!(back.to_vec::<Complex64>(), a.to_vec::<Complex64>());
    }
}

#[test]
fn headers_are_padded_as_numpy_pads_them() {
    // Every preamble is a multiple of 64 bytes ending in a newline, with its length in the
    // 16-bit field of version 1.0.
    for shape in [
        vec![],
        vec![3],
        vec![0, 5],
        vec![123456789012, 0, 3, 4, 5, 6, 7, 8],
    ] {
        let mut buf = Vec::new();
        jnp::write_npy(&mut buf, &jnp::zeros(shape.as_slice())).unwrap();
        let data_len = shape.iter().product::<usize>() * 4;
        let preamble = &buf[..buf.len() - data_len];
        assert_eq!(preamble.len() % 64, 0, "{shape:?}");
        assert_eq!(preamble.last(), Some(&b'\n'));
        assert_eq!(&preamble[6..8], &[1, 0]);
        let hlen = u16::from_le_bytes([preamble[8], preamble[9]]) as usize;
        assert_eq!(hlen + 10, preamble.len());
    }
    // A header too long for a 16-bit length switches to version 2.0 and a 32-bit length.
    let mut buf = Vec::new();
    jnp::write_npy(&mut buf, &jnp::zeros(vec![1; 30_000].as_slice())).unwrap();
    let preamble = &buf[..buf.len() - 4];
    assert_eq!(&preamble[6..8], &[2, 0]);
    let hlen = u32::from_le_bytes([preamble[8], preamble[9], preamble[10], preamble[11]]);
    assert_eq!(hlen as usize + 12, preamble.len());
    assert_eq!(preamble.len() % 64, 0);
    assert_eq!(jnp::read_npy(buf.as_slice()).unwrap().ndim(), 30_000);
}

#[test]
fn truncated_or_garbled_data_is_an_error_not_a_panic() {
    let mut buf = Vec::new();
    jnp::write_npy(&mut buf, &jnp::arange(6.0).reshape([2, 3])).unwrap();

    assert!(matches!(jnp::read_npy(&[][..]), Err(NpyError::NoRecord)));
    for cut in 1..buf.len() {
        let err = jnp::read_npy(&buf[..cut]).unwrap_err();
        assert!(matches!(err, NpyError::Truncated { .. }), "{cut}: {err}");
    }
    let err = jnp::read_npy(&buf[..buf.len() - 1]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the data is truncated: the record's data needs 24 bytes but only 23 remain"
    );

    // Any byte of the preamble replaced by any value: Ok or Err, never a panic.
    for at in 0..buf.len() - 24 {
        for byte in [0u8, b'(', b')', b',', b'\'', b'9', 0xff] {
            let mut garbled = buf.clone();
            garbled[at] = byte;
            let _ = jnp::read_npy(garbled.as_slice());
        }
    }
    let mut bad_magic = buf.clone();
    bad_magic[1] = b'X';
    assert!(matches!(
        jnp::read_npy(bad_magic.as_slice()),
        Err(NpyError::BadHeader { .. })
    ));
    let dict = "{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }";
    assert!(matches!(
        jnp::read_npy(numpy_record(dict, &[0; 24]).as_slice()),
        Err(NpyError::UnsupportedDtype { .. })
    ));

    // A header declaring a huge array with no data behind it fails without allocating it.
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }";
    assert!(matches!(
        jnp::read_npy(numpy_record(dict, &[]).as_slice()),
        Err(NpyError::Truncated { part: "data", .. })
    ));

    // The same damage read from a file.
    let path = temp_path("truncated.npy");
    std::fs::write(&path, &buf[..100]).unwrap();
    assert!(jnp::load(&path).is_err());
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(jnp::load(&path), Err(NpyError::Io { .. })));
}

#[test]
fn read_npy_like_checks_the_header_against_the_template() {
    let mut buf = Vec::new();
    jnp::write_npy(&mut buf, &jnp::zeros([2, 3])).unwrap();
    let err = jnp::read_npy_like(buf.as_slice(), &ShapeDtype::new([3], DType::F32)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape differs: (3,) expected, (2, 3) in the record"
    );
    let err = jnp::read_npy_like(buf.as_slice(), &ShapeDtype::new([2, 3], DType::F64)).unwrap_err();
    assert!(matches!(
        err,
        NpyError::DtypeMismatch {
            expected: DType::F64,
            found: DType::F32
        }
    ));
}
