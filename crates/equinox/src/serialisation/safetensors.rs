//! safetensors files: each leaf stored under its path, so files are self-describing.

use super::error::{io_error, LeafLocation, SerialisationError};
use crate::atomic_file::write_atomically;
use crate::checksum::{
    check_digest, expected_digest, hex_sha256, write_sidecar, LoadOptions, SaveOptions,
};
use crate::numpy::npy::{from_le_bytes, to_le_bytes};
use crate::tree::{self, KeyPath, PyTree};
use crate::DType;
use std::borrow::Cow;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

fn to_safetensors_dtype(dtype: DType) -> Option<safetensors::Dtype> {
    use safetensors::Dtype as S;
    Some(match dtype {
        DType::Bool => S::BOOL,
        DType::U8 => S::U8,
        DType::U16 => S::U16,
        DType::U32 => S::U32,
        DType::U64 => S::U64,
        DType::I8 => S::I8,
        DType::I16 => S::I16,
        DType::I32 => S::I32,
        DType::I64 => S::I64,
        DType::F16 => S::F16,
        DType::BF16 => S::BF16,
        DType::F32 => S::F32,
        DType::F64 => S::F64,
        DType::C64 => S::C64,
        DType::F8E4M3Fn => S::F8_E4M3,
        DType::F8E5M2 => S::F8_E5M2,
        DType::F8E8M0Fnu => S::F8_E8M0,
        DType::C128
        | DType::F4E2M1Fn
        | DType::F8E3M4
        | DType::F8E4M3
        | DType::F8E4M3B11Fnuz
        | DType::F8E4M3Fnuz
        | DType::F8E5M2Fnuz => return None,
    })
}

fn from_safetensors_dtype(dtype: safetensors::Dtype) -> Option<DType> {
    use safetensors::Dtype as S;
    Some(match dtype {
        S::BOOL => DType::Bool,
        S::U8 => DType::U8,
        S::U16 => DType::U16,
        S::U32 => DType::U32,
        S::U64 => DType::U64,
        S::I8 => DType::I8,
        S::I16 => DType::I16,
        S::I32 => DType::I32,
        S::I64 => DType::I64,
        S::F16 => DType::F16,
        S::BF16 => DType::BF16,
        S::F32 => DType::F32,
        S::F64 => DType::F64,
        S::C64 => DType::C64,
        S::F8_E4M3 => DType::F8E4M3Fn,
        S::F8_E5M2 => DType::F8E5M2,
        S::F8_E8M0 => DType::F8E8M0Fnu,
        _ => return None,
    })
}

/// One leaf's data, as the safetensors writer wants it.
struct TensorBytes {
    dtype: safetensors::Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl safetensors::View for TensorBytes {
    fn dtype(&self) -> safetensors::Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// The leaves of `tree` as a safetensors file in memory, each named by its path
/// (`layers[0].weight`); filtered-out leaves are skipped.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, serialisation, Array, Module};
///
/// #[derive(Module, Clone)]
/// struct Linear { weight: Array, bias: Array }
/// #[derive(Module, Clone)]
/// struct Mlp { layers: Vec<Linear> }
///
/// let mlp = Mlp { layers: vec![Linear { weight: jnp::ones([2, 2]), bias: jnp::zeros([2]) }] };
/// let bytes = serialisation::to_safetensors_bytes(&mlp)?;
/// let header = String::from_utf8_lossy(&bytes[8..]);
/// assert!(header.contains("\"layers[0].weight\""));
///
/// let loaded = serialisation::from_safetensors_bytes(&bytes, &mlp)?;
/// assert!(eqx::tree_equal(&loaded, &mlp));
///
/// // A template with a leaf the file lacks is refused, naming it.
/// let bigger = Mlp { layers: vec![mlp.layers[0].clone(), mlp.layers[0].clone()] };
/// let err = serialisation::from_safetensors_bytes(&bytes, &bigger).err().unwrap();
/// assert!(err.to_string().contains("no tensor named \"layers[1].weight\""));
/// # Ok::<(), serialisation::SerialisationError>(())
/// ```
pub fn to_safetensors_bytes<T: PyTree>(tree: &T) -> Result<Vec<u8>, SerialisationError> {
    let mut tensors = Vec::new();
    let mut names = HashSet::new();
    let mut failure = None;
    tree.visit_leaves_with_path(&mut KeyPath::new(), &mut |path, leaf| {
        if leaf.is_filtered_out() || failure.is_some() {
            return;
        }
        let name = path.to_string();
        if !names.insert(name.clone()) {
            failure = Some(SerialisationError::DuplicateName { name });
            return;
        }
        let Some(dtype) = to_safetensors_dtype(leaf.dtype()) else {
            failure = Some(SerialisationError::NoSafetensorsDtype {
                name,
                dtype: leaf.dtype(),
            });
            return;
        };
        let tensor = TensorBytes {
            dtype,
            shape: leaf.shape().to_vec(),
            data: to_le_bytes(leaf),
        };
        tensors.push((name, tensor));
    });
    if let Some(e) = failure {
        return Err(e);
    }
    safetensors::serialize(tensors, None).map_err(|source| SerialisationError::Safetensors {
        context: "serialising the leaves".to_string(),
        source,
    })
}

/// Loads the leaves of `like` from a safetensors file in memory: each leaf from the tensor
/// named by its path. Every leaf must be present with its dtype and shape, and every tensor
/// must belong to a leaf. See [`to_safetensors_bytes`] for an example.
pub fn from_safetensors_bytes<T: PyTree>(bytes: &[u8], like: &T) -> Result<T, SerialisationError> {
    let st = safetensors::SafeTensors::deserialize(bytes).map_err(|source| {
        SerialisationError::Safetensors {
            context: "reading the safetensors header".to_string(),
            source,
        }
    })?;
    let mut loaded = Vec::new();
    let mut used = HashSet::new();
    let mut error = None;
    like.visit_leaves_with_path(&mut KeyPath::new(), &mut |path, leaf| {
        if error.is_some() || leaf.is_filtered_out() {
            return;
        }
        let name = path.to_string();
        let at = || LeafLocation {
            path: path.clone(),
            index: loaded.len(),
            offset: None,
        };
        let view = match st.tensor(&name) {
            Ok(view) => view,
            Err(_) => {
                error = Some(SerialisationError::MissingTensor { leaf: at() });
                return;
            }
        };
        let Some(dtype) = from_safetensors_dtype(view.dtype()) else {
            let descr = format!("{:?}", view.dtype());
            error = Some(SerialisationError::UnsupportedDtype { leaf: at(), descr });
            return;
        };
        if view.shape() != leaf.shape() {
            error = Some(SerialisationError::ShapeMismatch {
                leaf: at(),
                expected: leaf.shape().to_vec(),
                found: view.shape().to_vec(),
            });
        } else if dtype != leaf.dtype() {
            error = Some(SerialisationError::DtypeMismatch {
                leaf: at(),
                expected: leaf.dtype(),
                found: dtype,
            });
        } else {
            loaded.push(from_le_bytes(dtype, view.shape(), view.data()));
            used.insert(name);
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    let mut unexpected: Vec<String> = st
        .names()
        .into_iter()
        .filter(|n| !used.contains(*n))
        .map(str::to_string)
        .collect();
    if !unexpected.is_empty() {
        unexpected.sort();
        return Err(SerialisationError::UnexpectedTensors { names: unexpected });
    }
    Ok(tree::rebuild(like, loaded))
}

/// Writes the leaves of `tree` to a safetensors file at `path`, each named by its leaf path
/// (see [`to_safetensors_bytes`]). The write is atomic like [`tree_serialise_leaves`](super::tree_serialise_leaves)'s; the
/// path is used as given.
pub fn save_safetensors<T: PyTree>(
    path: impl AsRef<Path>,
    tree: &T,
) -> Result<(), SerialisationError> {
    save_safetensors_with_options(path, tree, &SaveOptions::default())
}

/// [`save_safetensors`] with [`SaveOptions`]: with `checksum`, the file's SHA-256 digest also
/// goes to a sidecar `FILE.sha256` (see [`crate::checksum`]).
pub fn save_safetensors_with_options<T: PyTree>(
    path: impl AsRef<Path>,
    tree: &T,
    options: &SaveOptions,
) -> Result<(), SerialisationError> {
    let path = path.as_ref();
    let bytes = to_safetensors_bytes(tree)?;
    write_atomically(
        path,
        |w| {
            w.write_all(&bytes)
                .map_err(|e| io_error("writing the safetensors data", e))
        },
        io_error,
    )?;
    if options.checksum {
        write_sidecar(path, &hex_sha256(&bytes))?;
    }
    Ok(())
}

/// Loads the leaves of `like` from the safetensors file at `path` (see
/// [`from_safetensors_bytes`]).
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, serialisation};
///
/// let path = std::env::temp_dir().join(format!("eqx-doc-{}.safetensors", std::process::id()));
/// let params = vec![jnp::ones([2]), jnp::zeros([3])];
/// serialisation::save_safetensors(&path, &params)?;
/// let loaded = serialisation::load_safetensors(&path, &params)?;
/// assert!(eqx::tree_equal(&loaded, &params));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_safetensors<T: PyTree>(
    path: impl AsRef<Path>,
    like: &T,
) -> Result<T, SerialisationError> {
    load_safetensors_with_options(path, like, &LoadOptions::default())
}

/// [`load_safetensors`] with [`LoadOptions`]: with `verify`, the bytes read are checked against
/// the file's `FILE.sha256` sidecar before they are parsed.
pub fn load_safetensors_with_options<T: PyTree>(
    path: impl AsRef<Path>,
    like: &T,
    options: &LoadOptions,
) -> Result<T, SerialisationError> {
    let path = path.as_ref();
    let expected = expected_digest(path, options.verify)?;
    let context = || format!("reading {}", path.display());
    let file = File::open(path).map_err(|e| io_error(context(), e))?;
    let meta = file.metadata().map_err(|e| io_error(context(), e))?;
    // The whole file is read at once, so only a regular file, whose size bounds the read: a
    // device or a pipe may never end.
    if !meta.is_file() {
        let e = io::Error::new(io::ErrorKind::InvalidInput, "not a regular file");
        return Err(io_error(context(), e));
    }
    let mut bytes = Vec::new();
    file.take(meta.len())
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(context(), e))?;
    if let Some(expected) = expected {
        check_digest(path, expected, hex_sha256(&bytes))?;
    }
    from_safetensors_bytes(&bytes, like)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Array, Complex32, Complex64};

    #[test]
    fn complex64_round_trips_and_complex128_is_refused() {
        let z = Array::from_vec(
            vec![Complex64::new(1.5, -2.0), Complex64::new(-0.0, 3.25)],
            [2],
        );
        let c64 = vec![z.astype(DType::C64)];
        let st = to_safetensors_bytes(&c64).unwrap();
        let back = from_safetensors_bytes(&st, &c64).unwrap();
        assert_eq!(back[0].to_vec::<Complex32>(), c64[0].to_vec::<Complex32>());
        let err = to_safetensors_bytes(&vec![z]).unwrap_err();
        assert!(matches!(
            err,
            SerialisationError::NoSafetensorsDtype {
                dtype: DType::C128,
                ..
            }
        ));
        assert!(err.to_string().contains("complex128"), "{err}");
    }
}
