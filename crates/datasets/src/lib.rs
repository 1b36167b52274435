//! # equinox-datasets
//!
//! Loaders for small image-classification data sets, for examples and tests: the 8x8 digits
//! that ship with the repository (`examples/data/digits.csv.gz`) and MNIST-style IDX files.
//! A crate of its own, so the `equinox` facade and its users do not carry a gzip decoder.
//!
//! Each gives a [`Dataset`]: float32 features scaled to `[0, 1]`, one row per example, and
//! int32 labels. Errors in the files are reported as [`DatasetError`]s naming the file (and
//! line), never panics. Gzip-compressed files are recognised by their magic bytes and
//! decompressed, whatever their name.
//!
//! ```
//! use equinox_datasets as datasets;
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/data/digits.csv.gz");
//! let digits = datasets::digits(path).unwrap();
//! assert_eq!(digits.features.shape(), &[1797, 64]);
//! assert_eq!(digits.labels.shape(), &[1797]);
//! assert_eq!(digits.image_shape, [8, 8]);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use equinox_core::Array;
use flate2::read::GzDecoder;
use std::fmt;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// A classification data set held in memory.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// float32 of shape `(n, rows * cols)`: each example's pixels, row-major, scaled to
    /// `[0, 1]`.
    pub features: Array,
    /// int32 of shape `(n,)`: the class of each example.
    pub labels: Array,
    /// The `[rows, cols]` of one image (`features.reshape([n, rows, cols])` gives images).
    pub image_shape: [usize; 2],
}

impl Dataset {
    /// The number of examples.
    pub fn len(&self) -> usize {
        self.labels.shape()[0]
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a data set could not be loaded.
#[derive(Debug)]
pub enum DatasetError {
    /// The file could not be read (or its gzip stream was corrupt).
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line of a text file is malformed.
    Parse {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A binary file's layout is wrong (bad magic number, sizes that disagree, truncation).
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatasetError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            DatasetError::Parse {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            DatasetError::Format { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for DatasetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DatasetError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The most bytes a text data set may hold once decompressed (the shipped digits file holds
/// about 450 KB): a corrupt or hostile gzip stream is stopped here instead of filling memory.
pub const MAX_TEXT_BYTES: u64 = 256 << 20;

/// A reader of the file's contents, gunzipped if the file starts with the gzip magic number.
/// Only regular files are read (not devices or pipes, which may never end).
fn open_maybe_gzip(path: &Path) -> Result<Box<dyn Read>, DatasetError> {
    let io = |source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if !file.metadata().map_err(io)?.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let mut file = std::io::BufReader::new(file);
    let magic = file.fill_buf().map_err(io)?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(GzDecoder::new(file)))
    } else {
        Ok(Box::new(file))
    }
}

/// The next `n` bytes of `reader`, or fewer where it ends first.
fn read_up_to(path: &Path, reader: &mut dyn Read, n: u64) -> Result<Vec<u8>, DatasetError> {
    let mut out = Vec::new();
    reader
        .take(n)
        .read_to_end(&mut out)
        .map_err(|source| DatasetError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(out)
}

/// The rest of `reader` up to `limit` bytes, and whether more followed (one byte past the
/// limit is read to tell).
fn read_bounded(
    path: &Path,
    reader: &mut dyn Read,
    limit: u64,
) -> Result<(Vec<u8>, bool), DatasetError> {
    // Saturating: an IDX header may declare u64::MAX bytes ((2^32-1) * 641 * 6700417), and no
    // reader delivers more than that anyway.
    let mut out = read_up_to(path, reader, limit.saturating_add(1))?;
    let more = out.len() as u64 > limit;
    out.truncate(limit as usize);
    Ok((out, more))
}

/// The 8x8 handwritten digits (`sklearn.datasets.load_digits`; the UCI optdigits test set,
/// see `examples/data/README.md`): 1797 examples in the shipped file.
///
/// The file is CSV, gzip-compressed or not: one example per line, 64 pixel counts `0..=16`
/// then the label `0..=9`. Features are the counts divided by 16; `image_shape` is `[8, 8]`.
pub fn digits(path: impl AsRef<Path>) -> Result<Dataset, DatasetError> {
    const PIXELS: usize = 64;
    let path = path.as_ref();
    let (bytes, more) = read_bounded(path, &mut open_maybe_gzip(path)?, MAX_TEXT_BYTES)?;
    if more {
        return Err(DatasetError::Format {
            path: path.to_path_buf(),
            message: format!("more than {MAX_TEXT_BYTES} bytes of text (after decompression)"),
        });
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| DatasetError::Format {
        path: path.to_path_buf(),
        message: format!("not UTF-8 text: {e}"),
    })?;
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parse_error = |message: String| DatasetError::Parse {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != PIXELS + 1 {
            return Err(parse_error(format!(
                "expected {} comma-separated values (64 pixels and a label), found {}",
                PIXELS + 1,
                fields.len()
            )));
        }
        for (j, field) in fields.iter().enumerate() {
            let (what, max) = if j < PIXELS {
                ("pixel", 16)
            } else {
                ("label", 9)
            };
            let v: u8 = field
                .trim()
                .parse()
                .ok()
                .filter(|&v| v <= max)
                .ok_or_else(|| {
                    parse_error(format!(
                        "value {} ({what}) is {field:?}, expected an integer 0..={max}",
                        j + 1
                    ))
                })?;
            if j < PIXELS {
                features.push(f32::from(v) / 16.0);
            } else {
                labels.push(i32::from(v));
            }
        }
    }
    let n = labels.len();
    if n == 0 {
        return Err(DatasetError::Format {
            path: path.to_path_buf(),
            message: "no examples: the file has no data lines".into(),
        });
    }
    Ok(Dataset {
        features: Array::from_vec(features, [n, PIXELS]),
        labels: Array::from_vec(labels, [n]),
        image_shape: [8, 8],
    })
}

/// An IDX file's dimensions and its unsigned-byte payload. The header is read first and the
/// payload after it is read only up to the size the header declares (plus one byte, to tell a
/// longer file), so memory stays proportional to the declared content whatever the file holds.
fn read_idx_u8(path: &Path, expected_ndim: u8) -> Result<(Vec<usize>, Vec<u8>), DatasetError> {
    let mut reader = open_maybe_gzip(path)?;
    let format_error = |message: String| DatasetError::Format {
        path: path.to_path_buf(),
        message,
    };
    let magic = read_up_to(path, &mut reader, 4)?;
    let [z0, z1, kind, ndim] = match magic[..] {
        [a, b, c, d] => [a, b, c, d],
        _ => return Err(format_error("too short for an IDX header".into())),
    };
    if z0 != 0 || z1 != 0 {
        return Err(format_error(format!(
            "not an IDX file: magic number {:02x}{:02x}{kind:02x}{ndim:02x} does not start \
             with two zero bytes",
            z0, z1
        )));
    }
    if kind != 0x08 {
        return Err(format_error(format!(
            "IDX element type 0x{kind:02x} is not supported (only 0x08, unsigned bytes)"
        )));
    }
    if ndim != expected_ndim {
        return Err(format_error(format!(
            "expected an IDX file with {expected_ndim} dimension(s), found {ndim}"
        )));
    }
    let dims_len = 4 * u64::from(ndim);
    let dim_bytes = read_up_to(path, &mut reader, dims_len)?;
    if dim_bytes.len() as u64 != dims_len {
        return Err(format_error("header ends before its dimensions".into()));
    }
    let dims: Vec<usize> = dim_bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let size = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&s| u64::try_from(s).is_ok())
        .ok_or_else(|| format_error(format!("dimensions {dims:?} overflow")))?;
    let (payload, more) = read_bounded(path, &mut reader, size as u64)?;
    if payload.len() != size || more {
        let found = if more {
            "more (the file continues past them)".to_string()
        } else {
            payload.len().to_string()
        };
        return Err(format_error(format!(
            "dimensions {dims:?} need {size} data bytes, found {found}"
        )));
    }
    Ok((dims, payload))
}

/// MNIST-style data from a pair of IDX files (as MNIST, Fashion-MNIST and EMNIST are
/// distributed), each gzip-compressed or not: images of type `0x08` (unsigned bytes) with
/// dimensions `(n, rows, cols)`, labels of type `0x08` with dimension `(n,)`.
///
/// Features are the pixels divided by 255, flattened to `(n, rows * cols)`; labels are the
/// bytes as int32. The two files must hold the same number of examples and exactly the bytes
/// their headers announce.
pub fn mnist_idx(
    images_path: impl AsRef<Path>,
    labels_path: impl AsRef<Path>,
) -> Result<Dataset, DatasetError> {
    let (images_path, labels_path) = (images_path.as_ref(), labels_path.as_ref());
    let (image_dims, pixels) = read_idx_u8(images_path, 3)?;
    let (label_dims, label_bytes) = read_idx_u8(labels_path, 1)?;
    let (n, rows, cols) = (image_dims[0], image_dims[1], image_dims[2]);
    if label_dims[0] != n {
        return Err(DatasetError::Format {
            path: labels_path.to_path_buf(),
            message: format!(
                "holds {} labels but {} holds {n} images",
                label_dims[0],
                images_path.display()
            ),
        });
    }
    let features: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    let labels: Vec<i32> = label_bytes.iter().map(|&l| i32::from(l)).collect();
    Ok(Dataset {
        features: Array::from_vec(features, [n, rows * cols]),
        labels: Array::from_vec(labels, [n]),
        image_shape: [rows, cols],
    })
}
