//! Saving and loading the leaves of a model: Equinox's `.eqx` format
//! (`eqx.tree_serialise_leaves` / `eqx.tree_deserialise_leaves`), single `.npy` arrays, and
//! safetensors files keyed by leaf path.
//!
//! # The `.eqx` format
//! A `.eqx` file is what Python Equinox writes: the NumPy `.npy` records of the leaves (format
//! version 1.0, a Python-dict header padded to 64 bytes, then the raw little-endian data),
//! concatenated in leaf order, with no file header, names or structure. Files move both ways
//! between Python and Rust: [`tree_serialise_leaves`] writes byte for byte what Equinox writes
//! for the same leaves, and [`tree_deserialise_leaves`] reads Equinox's files.
//!
//! Because the file holds no structure, loading needs a *template* (Equinox's `like`): a tree
//! of the same type and structure, typically a freshly initialised model. Its leaves give the
//! order, and each record's dtype and shape must equal its template leaf's; the result is the
//! template with its leaves replaced by the file's.
//!
//! What is written, compared with Python Equinox:
//! - Every [`Array`](crate::Array) leaf, in the order of [`tree::leaves`](crate::tree::leaves) (depth first, fields in declaration
//!   order): this is Equinox's order for a Module whose fields are declared in the same order.
//! - Static content (sizes, flags, strings, `fn` pointers, `#[module(static)]` fields) is not a
//!   leaf and is not written, as Equinox does for `eqx.field(static=True)`, strings and
//!   functions. **Python scalars in non-static fields are leaves in Equinox** and are written
//!   as 0-d 64-bit records (`float` as `float64`, `int` as `int64`, `bool` as `bool`): to read
//!   such a file, mirror those fields as 0-d [`Array`](crate::Array) leaves of those dtypes
//!   (`Array::scalar(0.5f64)`), not as Rust scalars.
//! - A filtered-out leaf ([`Array::filtered_out`](crate::Array::filtered_out), Equinox's `None` after `eqx.partition`) is
//!   not a leaf in Equinox and is skipped both ways: nothing is written for it, and loading
//!   keeps the template's placeholder and reads nothing for it.
//! - `bfloat16` is written with numpy's descr `'<V2'` (what `np.save` writes for an
//!   `ml_dtypes.bfloat16` array), and any 2-byte void record (`'<V2'`, `'|V2'`) reads as
//!   `bfloat16`, as `jnp.load` does.
//! - The 8-bit floats and `float4_e2m1fn` (one value per byte) are written with numpy's descr
//!   `'|V1'` (what `np.save` writes for every ml_dtypes 8- and 4-bit float); a 1-byte void
//!   record reads as the template's narrow float. safetensors holds `float8_e4m3fn`
//!   (`F8_E4M3`), `float8_e5m2` (`F8_E5M2`) and `float8_e8m0fnu` (`F8_E8M0`); the other 8-bit
//!   floats have no safetensors dtype, and its `F4` packs two values per byte, which is not
//!   written or read here.
//!
//! Reading accepts any `.npy` record numpy writes for the supported dtypes: format versions
//! 1.0 to 3.0, `fortran_order: True`, big-endian data. Errors name the leaf (its path, its
//! index among the leaves, the record's byte offset) and what differs; nothing in a file makes
//! the loader panic. The records are read and written by the core's `.npy` codec,
//! [`numpy::npy`](crate::numpy::npy), which also saves and loads single arrays as `jnp.save` /
//! `jnp.load` do.
//!
//! # Paths and streams
//! [`tree_serialise_leaves`] and [`tree_deserialise_leaves`] take a path. As in Equinox, a path
//! without an extension gets `.eqx` appended (`"model"` is `model.eqx`). Writing goes to a
//! temporary file in the same directory, which is synced and then renamed over the target, so
//! a crash or an error never leaves half a checkpoint and the previous file survives a failed
//! write. Loading from a path also checks that nothing follows the last record.
//!
//! [`tree_serialise_leaves_to`] and [`tree_deserialise_leaves_from`] take any [`Write`](std::io::Write) /
//! [`Read`](std::io::Read) (pass `&mut` to keep using it). The reader is left just after the last record, so
//! other data may precede or follow the leaves in the same stream (Equinox's idiom of a JSON
//! line of hyperparameters before the leaves); nothing past the last record is checked.
//!
//! ```
//! use equinox as eqx;
//! use eqx::{numpy as jnp, Array, Module};
//!
//! #[derive(Module, Clone)]
//! struct Linear { weight: Array, bias: Array, in_features: usize }
//!
//! let model = Linear { weight: jnp::full([2, 3], 0.5f32), bias: jnp::zeros([2]), in_features: 3 };
//! let path = std::env::temp_dir().join(format!("eqx-doc-{}.eqx", std::process::id()));
//! eqx::tree_serialise_leaves(&path, &model)?;
//!
//! let like = Linear { weight: jnp::zeros([2, 3]), bias: jnp::zeros([2]), in_features: 3 };
//! let loaded = eqx::tree_deserialise_leaves(&path, &like)?;
//! assert_eq!(loaded.weight.to_vec::<f32>(), vec![0.5; 6]);
//!
//! // A template whose shapes differ is refused, naming the leaf.
//! let wrong = Linear { weight: jnp::zeros([3, 2]), ..like };
//! let err = eqx::tree_deserialise_leaves(&path, &wrong).err().unwrap();
//! assert!(err.to_string().contains("`weight`"));
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # safetensors
//! [`save_safetensors`] / [`load_safetensors`] (and the in-memory [`to_safetensors_bytes`] /
//! [`from_safetensors_bytes`]) store each leaf under its path as printed by
//! [`tree::KeyPath`](crate::tree::KeyPath) (`layers[0].weight`), so files are self-describing and readable by other
//! tools. Loading checks the names both ways (a leaf of the template missing from the file,
//! tensors in the file that no leaf asks for) as well as each tensor's dtype and shape.
//! Filtered-out leaves are skipped as in `.eqx` files. Writing to a path is atomic as above.

// One concept per file: the error type, the `.npy` record codec, `.eqx` files and streams,
// safetensors files. The checksum options live in `crate::checksum`, shared by both formats.
mod eqx;
mod error;
mod npy;
mod safetensors;

pub use self::safetensors::{
    from_safetensors_bytes, load_safetensors, load_safetensors_with_options, save_safetensors,
    save_safetensors_with_options, to_safetensors_bytes,
};
pub use crate::checksum::{sidecar_path, LoadOptions, SaveOptions, Verify};
pub use eqx::{
    tree_deserialise_leaves, tree_deserialise_leaves_from, tree_deserialise_leaves_with_options,
    tree_serialise_leaves, tree_serialise_leaves_to, tree_serialise_leaves_with_options,
};
pub(crate) use error::io_error;
pub use error::{LeafLocation, SerialisationError};
pub use npy::{read_npy, write_npy};
