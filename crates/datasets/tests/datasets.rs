//! `equinox_datasets`: the shipped digits file (values checked against
//! `sklearn.datasets.load_digits()` read in Python) and IDX parsing on small files written
//! here, plain and gzipped, with every kind of malformed input.

use equinox_core::DType;
use equinox_datasets::{self as datasets, DatasetError};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::PathBuf;

const DIGITS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/data/digits.csv.gz"
);

/// A fresh path for a test file (one per test and name, so tests can run in parallel).
fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("datasets_test");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let path = tmp(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// An IDX file of unsigned bytes: magic `00 00 08 ndim`, big-endian u32 dimensions, data.
fn idx(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[test]
fn digits_matches_sklearn() {
    let d = datasets::digits(DIGITS).unwrap();
    assert_eq!(d.len(), 1797);
    assert!(!d.is_empty());
    assert_eq!(d.image_shape, [8, 8]);
    assert_eq!(d.features.shape(), &[1797, 64]);
    assert_eq!(d.features.dtype(), DType::F32);
    assert_eq!(d.labels.dtype(), DType::I32);

    let x = d.features.to_vec::<f32>();
    let y = d.labels.to_vec::<i32>();
    // load_digits().target[:20], [-5:] and np.bincount(target).
    assert_eq!(
        &y[..20],
        &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    );
    assert_eq!(&y[1792..], &[9, 0, 8, 9, 8]);
    let mut counts = [0usize; 10];
    for &l in &y {
        counts[l as usize] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);

    // load_digits().data[0] and data[1796], divided by 16.
    let first: [u8; 64] = [
        0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0,
        0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0,
        0, 6, 13, 10, 0, 0, 0,
    ];
    let last: [u8; 64] = [
        0, 0, 10, 14, 8, 1, 0, 0, 0, 2, 16, 14, 6, 1, 0, 0, 0, 0, 15, 15, 8, 15, 0, 0, 0, 0, 5, 16,
        16, 10, 0, 0, 0, 0, 12, 15, 15, 12, 0, 0, 0, 4, 16, 6, 4, 16, 6, 0, 0, 8, 16, 10, 8, 16, 8,
        0, 0, 1, 8, 12, 14, 12, 1, 0,
    ];
    let scaled = |v: &[u8]| v.iter().map(|&p| f32::from(p) / 16.0).collect::<Vec<f32>>();
    assert_eq!(&x[..64], scaled(&first).as_slice());
    assert_eq!(&x[1796 * 64..], scaled(&last).as_slice());

    // data.sum() == 561718 and data[:, 10].sum() == 18657 (exact in f64 after scaling by 16).
    let total: f64 = x.iter().map(|&v| f64::from(v) * 16.0).sum();
    assert_eq!(total, 561718.0);
    let column: f64 = (0..1797).map(|i| f64::from(x[i * 64 + 10]) * 16.0).sum();
    assert_eq!(column, 18657.0);
    assert!(x.iter().all(|&v| (0.0..=1.0).contains(&v)));
    assert!(x.contains(&1.0), "16 maps to 1.0");
}

#[test]
fn digits_reads_plain_csv_too() {
    let mut row: Vec<String> = (0..64).map(|i| (i % 17).to_string()).collect();
    row.push("7".into());
    let text = format!("{}\n\n{}\n", row.join(","), row.join(", "));
    let d = datasets::digits(write("plain.csv", text.as_bytes())).unwrap();
    assert_eq!(d.len(), 2, "the blank line is skipped");
    assert_eq!(d.labels.to_vec::<i32>(), vec![7, 7]);
    let x = d.features.to_vec::<f32>();
    assert_eq!(x[16], 16.0 / 16.0);
    assert_eq!(x[64 + 3], 3.0 / 16.0);
}

fn digits_error(name: &str, text: &str) -> DatasetError {
    datasets::digits(write(name, text.as_bytes())).unwrap_err()
}

#[test]
fn digits_reports_malformed_lines() {
    let good = format!("{},3", ["1"; 64].join(","));
    let short = ["1"; 10].join(",");
    match digits_error("short.csv", &format!("{good}\n{short}\n")) {
        DatasetError::Parse { line, message, .. } => {
            assert_eq!(line, 2);
            assert_eq!(
                message,
                "expected 65 comma-separated values (64 pixels and a label), found 10"
            );
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let bad_pixel = format!("{},x,3", ["1"; 63].join(","));
    let e = digits_error("pixel.csv", &bad_pixel);
    assert!(
        e.to_string()
            .ends_with("pixel.csv:1: value 64 (pixel) is \"x\", expected an integer 0..=16"),
        "{e}"
    );
    let big_pixel = format!("17,{},3", ["1"; 63].join(","));
    assert!(matches!(
        digits_error("big.csv", &big_pixel),
        DatasetError::Parse { line: 1, .. }
    ));
    let bad_label = format!("{},10", ["1"; 64].join(","));
    assert!(digits_error("label.csv", &bad_label)
        .to_string()
        .ends_with("value 65 (label) is \"10\", expected an integer 0..=9"));
    let negative = format!("-1,{},3", ["1"; 63].join(","));
    assert!(matches!(
        digits_error("neg.csv", &negative),
        DatasetError::Parse { .. }
    ));
}

#[test]
fn digits_reports_missing_and_corrupt_files() {
    let missing = tmp("does_not_exist.csv.gz");
    let e = datasets::digits(&missing).unwrap_err();
    match &e {
        DatasetError::Io { path, source } => {
            assert_eq!(path, &missing);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    assert!(e.to_string().starts_with("cannot read "));
    assert!(std::error::Error::source(&e).is_some());

    // A gzip header followed by garbage.
    let e = datasets::digits(write("corrupt.gz", &[0x1f, 0x8b, 8, 0, 1, 2, 3])).unwrap_err();
    assert!(matches!(e, DatasetError::Io { .. }), "{e:?}");

    let e = datasets::digits(write("binary.csv", &[0xff, 0xfe, 0x00])).unwrap_err();
    assert!(matches!(e, DatasetError::Format { .. }), "{e:?}");

    // A file without a single example is an error, not an empty dataset.
    for (name, text) in [("empty.csv", ""), ("blank.csv", "\n  \n")] {
        let e = digits_error(name, text);
        assert!(
            matches!(e, DatasetError::Format { .. }) && e.to_string().contains("no examples"),
            "{name}: {e}"
        );
    }
}

#[test]
fn mnist_idx_reads_plain_and_gzipped_files() {
    // 3 images of 2x4 pixels.
    let pixels: Vec<u8> = (0..24).map(|i| (i * 11) as u8).collect();
    let labels = [7u8, 0, 255];
    let images = idx(&[3, 2, 4], &pixels);
    let label_file = idx(&[3], &labels);
    for (suffix, encode) in [("", false), (".gz", true)] {
        let enc = |b: &[u8]| if encode { gzip(b) } else { b.to_vec() };
        let d = datasets::mnist_idx(
            write(&format!("images-idx3-ubyte{suffix}"), &enc(&images)),
            write(&format!("labels-idx1-ubyte{suffix}"), &enc(&label_file)),
        )
        .unwrap();
        assert_eq!(d.len(), 3);
        assert_eq!(d.image_shape, [2, 4]);
        assert_eq!(d.features.shape(), &[3, 8]);
        assert_eq!(d.features.dtype(), DType::F32);
        let expected: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
        assert_eq!(d.features.to_vec::<f32>(), expected);
        assert_eq!(d.labels.to_vec::<i32>(), vec![7, 0, 255]);
        assert_eq!(d.features.to_vec::<f32>()[0], 0.0);
        assert_eq!(d.features.to_vec::<f32>()[23], 253.0 / 255.0);
    }
}

#[test]
fn mnist_idx_accepts_zero_examples() {
    let d = datasets::mnist_idx(
        write("empty-images", &idx(&[0, 28, 28], &[])),
        write("empty-labels", &idx(&[0], &[])),
    )
    .unwrap();
    assert!(d.is_empty());
    assert_eq!(d.features.shape(), &[0, 784]);
}

fn idx_error(images: &[u8], labels: &[u8], tag: &str) -> String {
    datasets::mnist_idx(
        write(&format!("{tag}-images"), images),
        write(&format!("{tag}-labels"), labels),
    )
    .unwrap_err()
    .to_string()
}

#[test]
fn mnist_idx_reports_malformed_files() {
    let images = idx(&[2, 2, 2], &[1; 8]);
    let labels = idx(&[2], &[1, 2]);

    let e = idx_error(&images, &idx(&[3], &[1, 2, 3]), "count");
    assert!(e.contains("count-labels: holds 3 labels but "), "{e}");
    assert!(e.ends_with("count-images holds 2 images"), "{e}");

    let e = idx_error(&idx(&[2, 2, 2], &[1; 7]), &labels, "truncated");
    assert!(
        e.ends_with("dimensions [2, 2, 2] need 8 data bytes, found 7"),
        "{e}"
    );
    let e = idx_error(&idx(&[2, 2, 2], &[1; 9]), &labels, "trailing");
    assert!(
        e.ends_with("need 8 data bytes, found more (the file continues past them)"),
        "{e}"
    );

    let mut bad_magic = images.clone();
    bad_magic[0] = 1;
    let e = idx_error(&bad_magic, &labels, "magic");
    assert!(
        e.ends_with("not an IDX file: magic number 01000803 does not start with two zero bytes"),
        "{e}"
    );

    let mut floats = images.clone();
    floats[2] = 0x0d;
    let e = idx_error(&floats, &labels, "type");
    assert!(
        e.ends_with("IDX element type 0x0d is not supported (only 0x08, unsigned bytes)"),
        "{e}"
    );

    let e = idx_error(&labels, &labels, "swapped");
    assert!(
        e.ends_with("expected an IDX file with 3 dimension(s), found 1"),
        "{e}"
    );

    let e = idx_error(&[0, 0], &labels, "tiny");
    assert!(e.ends_with("too short for an IDX header"), "{e}");
    let e = idx_error(&[0, 0, 8, 3, 0, 0, 0, 2], &labels, "header");
    assert!(e.ends_with("header ends before its dimensions"), "{e}");

    let e = idx_error(
        &idx(&[u32::MAX, u32::MAX, u32::MAX], &[]),
        &labels,
        "overflow",
    );
    assert!(e.contains("overflow"), "{e}");

    // Dimensions whose product is exactly u64::MAX (= (2^32 - 1) * 641 * 6700417) count without
    // overflowing, and the reader used to add 1 to that size and panic.
    let e = idx_error(&idx(&[u32::MAX, 641, 6_700_417], &[]), &labels, "u64max");
    assert!(
        e.ends_with(
            "dimensions [4294967295, 641, 6700417] need 18446744073709551615 data bytes, found 0"
        ),
        "{e}"
    );
}

#[test]
fn readers_refuse_files_that_are_not_regular() {
    // A device never ends: reading it whole would fill memory.
    let dev = std::path::Path::new("/dev/zero");
    if !dev.exists() {
        return;
    }
    let e = datasets::digits(dev).unwrap_err().to_string();
    assert!(e.ends_with("/dev/zero: not a regular file"), "{e}");
    let e = datasets::mnist_idx(dev, dev).unwrap_err().to_string();
    assert!(e.ends_with("/dev/zero: not a regular file"), "{e}");
}

#[test]
fn a_gzip_bomb_is_read_only_as_far_as_its_header_declares() {
    // 64 MiB of zeros after a header declaring 2 bytes compresses to ~64 KiB; the reader stops
    // 1 byte past the declared payload instead of inflating the rest (a reader that inflated
    // it all would report the 64 MiB it found).
    let mut bomb = idx(&[2], &[]);
    bomb.resize(bomb.len() + (64 << 20), 0);
    let images = write("bomb-images", &gzip(&idx(&[2, 1, 1], &[3, 4])));
    let labels = write("bomb-labels", &gzip(&bomb));
    let e = datasets::mnist_idx(&images, &labels)
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("dimensions [2] need 2 data bytes, found more (the file continues past them)"),
        "{e}"
    );
}
