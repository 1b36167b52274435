//! The bodies of the fuzz targets. The fuzz crate's binaries (`fuzz/fuzz_targets/*.rs`) call
//! them, and `crates/equinox/tests/suite/fuzz_corpus_replay.rs` includes this file to replay every
//! committed corpus and crash file through exactly the same code without the fuzzer toolchain.
//!
//! The readers (`.npy`, `.eqx`, safetensors, IDX, digits CSV) must return `Ok` or `Err` for
//! any bytes: a panic there is a bug. When they return `Ok`, the result is checked too (it
//! matches the template, writing it back and reading it again gives the same bytes, values are
//! in range). The shape/indexing front end may refuse its input by panicking, but only with a
//! message that says what is wrong, never with a bare Rust runtime panic (overflow, bounds,
//! `unwrap`), which marks a missing check.

use equinox::serialisation::{
    from_safetensors_bytes, read_npy, to_safetensors_bytes, tree_deserialise_leaves_from,
    tree_serialise_leaves_to, write_npy,
};
use equinox::{lax::GatherScatterMode, nn, numpy as jnp, numpy::Index, random, tree};
use equinox::{transforms::eval_shape, Array, DType, Module, ShapeDtype};
use equinox_datasets as datasets;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

// ---------------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------------

/// One `.npy` record: a record that reads must write back (`write_npy`) to bytes that read as
/// the same array, bit for bit.
pub fn npy(data: &[u8]) {
    let Ok(array) = read_npy(data) else { return };
    let written = npy_bytes(&array);
    let again = read_npy(written.as_slice()).expect("a record write_npy wrote must read back");
    assert_eq!(
        npy_bytes(&again),
        written,
        "npy round trip changed the array"
    );
}

/// The `.npy` record of `a` (its bytes identify dtype, shape and every bit of the data).
fn npy_bytes(a: &Array) -> Vec<u8> {
    let mut out = Vec::new();
    write_npy(&mut out, a).expect("writing to a Vec cannot fail");
    out
}

/// A model template with a leaf of every dtype, a filtered-out leaf and nested layers, so one
/// `.eqx` file exercises every record decoder and the leaf bookkeeping.
#[derive(Module, Clone)]
pub struct Template {
    layers: Vec<nn::Linear>,
    frozen: Array,
    extras: Vec<Array>,
}

/// The template: two `nn::Linear` layers (3 -> 2 -> 1), a filtered-out float32 `(4,)` leaf,
/// then one leaf per remaining dtype (complex128 only when `with_c128`: safetensors has no
/// complex128 dtype, so that template would refuse every file).
pub fn template(with_c128: bool) -> Template {
    let [k1, k2] = random::split_into(random::key(0));
    let mut extras = vec![
        jnp::zeros_dtype([2], DType::Bool),
        jnp::zeros_dtype([0, 3], DType::U8),
        jnp::zeros_dtype([2], DType::U32),
        jnp::zeros_dtype([], DType::I32),
        jnp::zeros_dtype([1, 2], DType::I64),
        jnp::zeros_dtype([2], DType::F16),
        jnp::zeros_dtype([3], DType::BF16),
        jnp::zeros_dtype([], DType::F64),
        jnp::zeros_dtype([1], DType::C64),
    ];
    if with_c128 {
        extras.push(jnp::zeros_dtype([2], DType::C128));
    }
    Template {
        layers: vec![nn::Linear::new(3, 2, k1), nn::Linear::new(2, 1, k2)],
        frozen: Array::filtered_out(ShapeDtype::new([4], DType::F32)),
        extras,
    }
}

/// Panics unless `loaded` has the template's structure, shapes and dtypes.
fn assert_matches_template(loaded: &Template, like: &Template) {
    let (got, want) = (tree::leaves(loaded), tree::leaves(like));
    assert_eq!(
        got.len(),
        want.len(),
        "loaded tree has a different leaf count"
    );
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(
            g.aval(),
            w.aval(),
            "a loaded leaf differs from its template leaf"
        );
        assert_eq!(g.is_filtered_out(), w.is_filtered_out());
    }
}

/// `.eqx` bytes loaded into [`template`] through the stream reader. A load that succeeds must
/// match the template and save back to bytes that load again to the same bytes.
pub fn eqx_leaves(data: &[u8]) {
    let like = template(true);
    let Ok(loaded) = tree_deserialise_leaves_from(data, &like) else {
        return;
    };
    assert_matches_template(&loaded, &like);
    let mut written = Vec::new();
    tree_serialise_leaves_to(&mut written, &loaded).expect("writing to a Vec cannot fail");
    let again = tree_deserialise_leaves_from(written.as_slice(), &like)
        .expect("what tree_serialise_leaves_to wrote must load");
    let mut rewritten = Vec::new();
    tree_serialise_leaves_to(&mut rewritten, &again).expect("writing to a Vec cannot fail");
    assert_eq!(rewritten, written, ".eqx round trip changed the leaves");
}

/// A safetensors file loaded into [`template`] (without complex128). A load that succeeds must
/// match the template and save back to bytes that load again to the same bytes.
pub fn safetensors(data: &[u8]) {
    let like = template(false);
    let Ok(loaded) = from_safetensors_bytes(data, &like) else {
        return;
    };
    assert_matches_template(&loaded, &like);
    let written = to_safetensors_bytes(&loaded).expect("the template's dtypes all serialise");
    let again =
        from_safetensors_bytes(&written, &like).expect("what to_safetensors_bytes wrote must load");
    assert_eq!(
        to_safetensors_bytes(&again).expect("serialises"),
        written,
        "safetensors round trip changed the leaves"
    );
}

/// A file in the temporary directory, removed when dropped. The data-set readers take paths,
/// so their targets write the input to one (set `TMPDIR=/dev/shm` when fuzzing to keep this
/// off the disk).
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, bytes: &[u8]) -> TempFile {
        // Unique per process and call: the replay test runs targets on several threads.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("equinox-fuzz-{}-{n}-{tag}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, bytes).expect("cannot write a temporary file");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: a leftover file in the temporary directory is harmless.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An IDX image file and label file for `datasets::mnist_idx`. The first two bytes (little
/// endian) are the length of the images file, which takes the bytes after them (as many as
/// there are); the labels file is the rest. Either may be gzipped. A data set that loads must
/// have consistent shapes and values in range.
pub fn idx(data: &[u8]) {
    let [a, b, rest @ ..] = data else { return };
    let split = usize::from(u16::from_le_bytes([*a, *b])).min(rest.len());
    let (images, labels) = rest.split_at(split);
    let (images, labels) = (
        TempFile::new("images", images),
        TempFile::new("labels", labels),
    );
    let Ok(d) = datasets::mnist_idx(&images.0, &labels.0) else {
        return;
    };
    let [rows, cols] = d.image_shape;
    assert_eq!(d.features.shape(), &[d.len(), rows * cols]);
    assert_eq!(d.labels.shape(), &[d.len()]);
    assert!(d
        .features
        .to_vec::<f32>()
        .iter()
        .all(|p| (0.0..=1.0).contains(p)));
    assert!(d
        .labels
        .to_vec::<i32>()
        .iter()
        .all(|l| (0..=255).contains(l)));
}

/// A digits CSV file (or gzipped CSV) for `datasets::digits`. A data set that loads must have
/// 64 features in `[0, 1]` per example and labels `0..=9`.
pub fn digits_csv(data: &[u8]) {
    let file = TempFile::new("digits.csv", data);
    let Ok(d) = datasets::digits(&file.0) else {
        return;
    };
    assert!(!d.is_empty());
    assert_eq!(d.image_shape, [8, 8]);
    assert_eq!(d.features.shape(), &[d.len(), 64]);
    assert!(d
        .features
        .to_vec::<f32>()
        .iter()
        .all(|p| (0.0..=1.0).contains(p)));
    assert!(d.labels.to_vec::<i32>().iter().all(|l| (0..=9).contains(l)));
}

// ---------------------------------------------------------------------------------------------
// Shapes and indexing
// ---------------------------------------------------------------------------------------------

/// The fuzz input as a stream of choices; past its end every choice is 0.
struct Choices<'a> {
    data: &'a [u8],
}

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// One of `n` options.
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n
    }

    /// An integer that is usually small (either sign) and sometimes an extreme, which is where
    /// index arithmetic overflows.
    fn int(&mut self) -> i64 {
        const EXTREMES: [i64; 8] = [
            i64::MIN,
            i64::MIN + 1,
            i64::MAX,
            i32::MIN as i64,
            i32::MAX as i64,
            1 << 32,
            -(1 << 32),
            1 << 62,
        ];
        let b = self.byte();
        match b {
            0..=239 => i64::from(b as i8 % 8),
            _ => EXTREMES[usize::from(b - 240) % EXTREMES.len()],
        }
    }

    /// A dimension: usually 0..=4, sometimes huge (the product may not fit a usize).
    fn dim(&mut self) -> usize {
        const HUGE: [usize; 6] = [
            1 << 32,
            1 << 40,
            1 << 62,
            (1 << 63) + 1,
            usize::MAX,
            7 << 59,
        ];
        let b = self.byte();
        match b {
            0..=223 => usize::from(b % 5),
            _ => HUGE[usize::from(b - 224) % HUGE.len()],
        }
    }

    fn shape(&mut self) -> Vec<usize> {
        let ndim = self.below(5);
        (0..ndim).map(|_| self.dim()).collect()
    }

    fn opt_int(&mut self) -> Option<i64> {
        (self.below(3) != 0).then(|| self.int())
    }

    /// A small index array of a random dtype (non-integer ones are refused with a message).
    fn index_array(&mut self) -> Array {
        let shape: Vec<usize> = (0..self.below(3)).map(|_| 1 + self.below(3)).collect();
        let n = shape.iter().product();
        let values: Vec<i64> = (0..n).map(|_| self.int()).collect();
        let dtype = [
            DType::I32,
            DType::I64,
            DType::U8,
            DType::U32,
            DType::F32,
            DType::Bool,
        ][self.below(6)];
        Array::from_vec(values, shape).astype(dtype)
    }

    fn index(&mut self, arrays: bool) -> Vec<Index> {
        (0..self.below(5))
            .map(|_| match self.below(if arrays { 5 } else { 4 }) {
                0 => Index::Int(self.int()),
                1 => Index::Slice {
                    start: self.opt_int(),
                    stop: self.opt_int(),
                    step: self.opt_int(),
                },
                2 => Index::NewAxis,
                3 => Index::Ellipsis,
                _ => Index::Array(self.index_array()),
            })
            .collect()
    }

    fn mode(&mut self) -> GatherScatterMode {
        [
            GatherScatterMode::Clip,
            GatherScatterMode::FillOrDrop,
            GatherScatterMode::PromiseInBounds,
        ][self.below(3)]
    }

    fn axes(&mut self) -> Vec<i32> {
        (0..self.below(4)).map(|_| self.int() as i32).collect()
    }
}

/// The most elements an array in the shapes target may hold: an operation whose result would
/// be larger but still countable is skipped, as it would only measure the allocator.
const MAX_ELEMENTS: usize = 1 << 12;

/// Whether an array of `shape` may be made: small, or too large to count (which must be
/// refused with a message, not allocated).
fn allowed(shape: &[usize]) -> bool {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .is_none_or(|n| n <= MAX_ELEMENTS)
}

/// Random shapes and numpy index expressions through the shape/indexing front end: an array of
/// random shape and dtype (shapes too large to count must be refused), then up to eight
/// operations on it (`index`, `at(..).get/set/add/...` in every mode, `reshape`,
/// `broadcast_to`, `take`, `take_along_axis`, `transpose`, `squeeze`, `expand_dims`,
/// `moveaxis`, `flip`). Each must work or panic with a proper message. A basic index (no
/// arrays) is also checked against the same index through the gather path.
pub fn shapes_indexing(data: &[u8]) {
    let outcome = catch_unwind(AssertUnwindSafe(|| run_shape_ops(Choices { data })));
    if let Err(payload) = outcome {
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("<non-string panic payload>");
        if !is_proper_refusal(message) {
            // Printed as well as raised: the fuzz target's silent panic hook hides the message.
            eprintln!("improper panic: {message}");
            panic!("improper panic: {message}");
        }
    }
}

/// Whether a panic message is a deliberate refusal rather than Rust's runtime checks firing in
/// code that lacks its own check (overflow, out-of-bounds slicing, `unwrap` on `None`, an
/// internal assertion, a huge allocation).
fn is_proper_refusal(message: &str) -> bool {
    const RUNTIME: [&str; 14] = [
        "attempt to ",
        "index out of bounds",
        "range end index",
        "range start index",
        "slice index starts",
        "called `Option::unwrap()`",
        "called `Result::unwrap()`",
        "capacity overflow",
        "assertion failed",
        "assertion `left",
        "internal error",
        "not implemented",
        "unreachable",
        "<non-string panic payload>",
    ];
    !message.is_empty() && !RUNTIME.iter().any(|r| message.contains(r))
}

fn run_shape_ops(mut c: Choices) {
    let dtype = [
        DType::F32,
        DType::I32,
        DType::Bool,
        DType::U8,
        DType::F16,
        DType::C64,
    ][c.below(6)];
    let shape = c.shape();
    if !allowed(&shape) {
        return;
    }
    let n = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .unwrap_or(0)
        .min(MAX_ELEMENTS);
    // Distinct values, so a wrong element selected shows in the comparisons below.
    let mut x = Array::from_vec((0..n as i32).collect::<Vec<_>>(), shape).astype(dtype);
    for _ in 0..8 {
        if c.is_empty() {
            break;
        }
        // A basic index (arm 0) is also run through the gather path and compared.
        let mut basic_index = None;
        let op: Box<dyn Fn(&Array) -> Array> = match c.below(12) {
            0 => {
                let idx = c.index(false);
                basic_index = Some(idx.clone());
                Box::new(move |x| x.index(&idx))
            }
            1 => {
                let idx = c.index(true);
                Box::new(move |x| x.index(&idx))
            }
            2 => {
                let idx = c.index(true);
                let mode = c.mode();
                Box::new(move |x| x.at(idx.clone()).mode(mode).get())
            }
            3 => {
                let idx = c.index(true);
                let mode = c.mode();
                let update = c.below(5);
                Box::new(move |x| {
                    let at = x.at(idx.clone()).mode(mode);
                    match update {
                        0 => at.set(2.0),
                        1 => at.add(1.0),
                        2 => at.mul(3.0),
                        3 => at.min(0.0),
                        _ => at.max(5.0),
                    }
                })
            }
            4 => {
                let new: Vec<i64> = (0..c.below(5))
                    .map(|_| match c.below(4) {
                        0 => -1,
                        1 => c.int(),
                        _ => c.dim() as i64,
                    })
                    .collect();
                Box::new(move |x| x.reshape(new.clone()))
            }
            5 => {
                let target = c.shape();
                if !allowed(&target) {
                    continue;
                }
                Box::new(move |x| jnp::broadcast_to(x, target.clone()))
            }
            6 => {
                let indices = c.index_array();
                let axis = (c.below(2) == 0).then(|| c.int() as isize);
                Box::new(move |x| jnp::take(x, &indices, axis))
            }
            7 => {
                let indices = c.index_array();
                let axis = c.int() as isize;
                Box::new(move |x| jnp::take_along_axis(x, &indices, axis))
            }
            8 => {
                let axes: Vec<isize> = c.axes().iter().map(|&a| a as isize).collect();
                let given = c.below(2) == 0;
                Box::new(move |x| jnp::transpose(x, given.then_some(axes.as_slice())))
            }
            9 => {
                let axes = c.axes();
                Box::new(move |x| jnp::squeeze(x, axes.clone()))
            }
            10 => {
                let axes = c.axes();
                Box::new(move |x| jnp::expand_dims(x, axes.clone()))
            }
            _ => match c.below(2) {
                0 => {
                    let (from, to) = (c.int() as isize, c.int() as isize);
                    Box::new(move |x| jnp::moveaxis(x, from, to))
                }
                _ => {
                    let axes = c.axes();
                    Box::new(move |x| jnp::flip(x, axes.clone()))
                }
            },
        };
        // The result's shape first, without computing anything: a result that is countable but
        // huge (an index array of 3·2^40 entries into an empty axis still asks for 3·2^40 rows)
        // is legitimate, and making it would only measure the allocator.
        if eval_shape(|x: &Array| op(x), &x).size() > MAX_ELEMENTS {
            return;
        }
        let y = op(&x);
        if let Some(idx) = basic_index {
            // The same basic index through the gather path (which clamps too in Clip mode).
            let g = x.at(idx).mode(GatherScatterMode::Clip).get();
            assert_eq!(
                npy_bytes(&y),
                npy_bytes(&g),
                "static and gather indexing differ"
            );
        }
        x = y;
    }
}
