//! Serialisation: `.eqx` files against Python Equinox's (parity/serialisation.py), round trips
//! of every dtype, error reports, atomic writes, safetensors, and ports of Equinox's
//! tests/test_serialisation.py.

use equinox as eqx;
use equinox_testing::golden::sizes;
use equinox_testing::{Golden, Tolerance};
use eqx::serialisation::{self, LeafLocation, SerialisationError};
use eqx::{bf16, f16, numpy as jnp, tree, Array, DType, Module, ALL_DTYPES};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const GOLDENS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../parity/goldens");

fn golden_json() -> Golden {
    Golden::load("serialisation")
}

/// Each section of `serialisation.json` (one per `.eqx` file) is checked by one test below.
#[test]
fn every_golden_section_is_checked() {
    golden_json().assert_claimed(&[&["simple"], &["mlp"], &["variants"]]);
}

fn golden_bytes(name: &str) -> Vec<u8> {
    fs::read(format!("{GOLDENS}/{name}")).unwrap()
}

/// A fresh, empty directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("eqx-serialisation-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The array a golden record describes, built from its JSON values (independently of any
/// file): floats from their exact f64 values, integers and bools as given.
fn array_from_json(rec: &Value) -> Array {
    let dtype = DType::from_name(rec["dtype"].as_str().unwrap()).unwrap();
    let shape = sizes(&rec["shape"]);
    let vals = rec["values"].as_array().unwrap();
    let f = || vals.iter().map(|v| v.as_f64().unwrap());
    let i = || vals.iter().map(|v| v.as_i64().unwrap());
    match dtype {
        DType::Bool => Array::from_vec(vals.iter().map(|v| v.as_bool().unwrap()).collect(), shape),
        DType::U8 => Array::from_vec(i().map(|v| v as u8).collect(), shape),
        DType::U16 => Array::from_vec(i().map(|v| v as u16).collect(), shape),
        DType::U32 => Array::from_vec(i().map(|v| v as u32).collect(), shape),
        DType::U64 => Array::from_vec(vals.iter().map(|v| v.as_u64().unwrap()).collect(), shape),
        DType::I8 => Array::from_vec(i().map(|v| v as i8).collect(), shape),
        DType::I16 => Array::from_vec(i().map(|v| v as i16).collect(), shape),
        DType::I32 => Array::from_vec(i().map(|v| v as i32).collect(), shape),
        DType::I64 => Array::from_vec(i().collect(), shape),
        DType::F16 => Array::from_vec(f().map(f16::from_f64).collect(), shape),
        DType::BF16 => Array::from_vec(f().map(bf16::from_f64).collect(), shape),
        DType::F32 => Array::from_vec(f().map(|v| v as f32).collect(), shape),
        DType::F64 => Array::from_vec(f().collect(), shape),
        DType::C64 | DType::C128 => panic!("the JSON records hold no complex arrays"),
        d => panic!("the JSON records hold no {d} arrays"),
    }
}

/// Exact equality of dtype, shape and elements (floats bit for bit after widening to f64,
/// which is exact for every float dtype).
fn assert_same(a: &Array, b: &Array, what: &str) {
    assert_eq!(a.dtype(), b.dtype(), "{what}: dtype");
    assert_eq!(a.shape(), b.shape(), "{what}: shape");
    if a.dtype().is_float() {
        let bits = |x: &Array| {
            x.to_vec::<f64>()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(a), bits(b), "{what}: values");
    } else {
        assert_eq!(a.to_vec::<i64>(), b.to_vec::<i64>(), "{what}: values");
    }
}

fn zeros(dtype: DType, shape: &[usize]) -> Array {
    jnp::zeros_dtype(shape, dtype)
}

fn location(err: &SerialisationError) -> &LeafLocation {
    use SerialisationError::*;
    match err {
        MissingRecord { leaf }
        | Truncated { leaf, .. }
        | BadHeader { leaf, .. }
        | UnsupportedDtype { leaf, .. }
        | ShapeMismatch { leaf, .. }
        | DtypeMismatch { leaf, .. }
        | MissingTensor { leaf } => leaf,
        other => panic!("no leaf location in {other:?}"),
    }
}

// -------------------------------------------------------------------------------------------
// Mirrors of the Python trees
// -------------------------------------------------------------------------------------------

/// Mirror of `Simple` in parity/serialisation.py. Python scalar fields are leaves there, so
/// they are 0-d arrays here; `label` (a str), `nothing` (None) and the static `size` are not
/// leaves in either.
#[derive(Module, Clone)]
#[module(debug)]
struct Simple {
    weight: Array,
    counts: Array,
    flag: Array,
    half: Array,
    brain: Array,
    small: Array,
    key_data: Array,
    wide: Array,
    double: Array,
    empty: Array,
    scale: Array,
    steps: Array,
    training: Array,
    label: String,
    nothing: Option<Array>,
    size: usize,
}

impl Simple {
    fn from_leaves(leaves: Vec<Array>) -> Simple {
        let mut it = leaves.into_iter();
        let mut next = || it.next().unwrap();
        Simple {
            weight: next(),
            counts: next(),
            flag: next(),
            half: next(),
            brain: next(),
            small: next(),
            key_data: next(),
            wide: next(),
            double: next(),
            empty: next(),
            scale: next(),
            steps: next(),
            training: next(),
            label: "relu".to_string(),
            nothing: None,
            size: 3,
        }
    }
}

/// Mirror of `eqx.nn.Linear`'s fields (weight, bias; the rest static).
#[derive(Module, Clone)]
#[module(debug)]
struct Linear {
    weight: Array,
    bias: Option<Array>,
    in_features: usize,
    out_features: usize,
    use_bias: bool,
}

/// Mirror of `eqx.nn.MLP`'s leaves: `layers[i].weight`, `layers[i].bias`.
#[derive(Module, Clone)]
#[module(debug)]
struct Mlp {
    layers: Vec<Linear>,
    activation: fn(&Array) -> Array,
    final_activation: fn(&Array) -> Array,
    in_size: usize,
    out_size: usize,
    width_size: usize,
    depth: usize,
}

fn identity(x: &Array) -> Array {
    x.clone()
}

/// An MLP of zeros with Equinox's layer shapes: in -> width x depth -> out.
fn mlp_template(in_size: usize, out_size: usize, width: usize, depth: usize) -> Mlp {
    let mut sizes = vec![in_size];
    sizes.extend(std::iter::repeat_n(width, depth));
    sizes.push(out_size);
    let layers = sizes
        .windows(2)
        .map(|w| Linear {
            weight: jnp::zeros([w[1], w[0]]),
            bias: Some(jnp::zeros([w[1]])),
            in_features: w[0],
            out_features: w[1],
            use_bias: true,
        })
        .collect();
    Mlp {
        layers,
        activation: |x| x.relu(),
        final_activation: identity,
        in_size,
        out_size,
        width_size: width,
        depth,
    }
}

// -------------------------------------------------------------------------------------------
// Python files -> Rust, and Rust -> bytes equal to Python's
// -------------------------------------------------------------------------------------------

fn check_golden_tree<T: Module>(name: &str, like: &T, rebuild_from_json: impl Fn(Vec<Array>) -> T) {
    let json = golden_json();
    let golden = json.section(name);
    let records = golden["records"].as_array().unwrap();
    let path = format!("{GOLDENS}/{}", golden["file"].as_str().unwrap());
    let bytes = golden_bytes(golden["file"].as_str().unwrap());
    assert_eq!(bytes.len() as u64, golden["len"].as_u64().unwrap());

    // Python's file loads into the Rust mirror, with the paths and values Python recorded.
    let loaded = eqx::tree_deserialise_leaves(&path, like).unwrap();
    let leaves = tree::leaves_with_path(&loaded);
    assert_eq!(leaves.len(), records.len(), "{name}: number of leaves");
    for ((p, leaf), rec) in leaves.iter().zip(records) {
        assert_eq!(
            p.to_string(),
            rec["rust_path"].as_str().unwrap(),
            "{name}: path"
        );
        assert_same(leaf, &array_from_json(rec), &format!("{name} {p}"));
    }

    // The same leaves written from Rust (built from the JSON, not from the file) are Python's
    // file byte for byte, record by record.
    let from_json = rebuild_from_json(records.iter().map(array_from_json).collect());
    let mut written = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut written, &from_json).unwrap();
    for rec in records {
        let (start, len) = (
            rec["offset"].as_u64().unwrap() as usize,
            rec["record_len"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            written.get(start..start + len),
            Some(&bytes[start..start + len]),
            "{name}: record of {} differs",
            rec["rust_path"]
        );
    }
    assert_eq!(written, bytes, "{name}: whole file");

    // And through the path API too (which must not append anything or leave files behind).
    let dir = temp_dir(&format!("golden-{name}"));
    eqx::tree_serialise_leaves(dir.join("out.eqx"), &from_json).unwrap();
    assert_eq!(fs::read(dir.join("out.eqx")).unwrap(), bytes);
    assert_eq!(dir_entries(&dir), ["out.eqx"]);
    fs::remove_dir_all(&dir).unwrap();
    json.assert_sections_read(&[name]);
}

#[test]
fn python_simple_module_loads_and_rust_writes_identical_bytes() {
    let records = golden_json().section("simple")["records"]
        .as_array()
        .unwrap()
        .clone();
    let like = Simple::from_leaves(
        records
            .iter()
            .map(|r| {
                zeros(
                    DType::from_name(r["dtype"].as_str().unwrap()).unwrap(),
                    &sizes(&r["shape"]),
                )
            })
            .collect(),
    );
    check_golden_tree("simple", &like, Simple::from_leaves);
    // Static content comes from the template.
    let loaded =
        eqx::tree_deserialise_leaves(format!("{GOLDENS}/serialisation_simple.eqx"), &like).unwrap();
    assert_eq!((loaded.label.as_str(), loaded.size), ("relu", 3));
    assert_eq!(loaded.brain.dtype(), DType::BF16);
    assert_eq!(loaded.scale.item::<f64>(), 0.125);
    assert_eq!(loaded.steps.item::<i64>(), 1000);
    assert!(!loaded.training.item::<bool>());
}

#[test]
fn python_mlp_loads_and_rust_writes_identical_bytes() {
    let like = mlp_template(2, 3, 8, 2);
    check_golden_tree("mlp", &like, |leaves| tree::rebuild(&like, leaves));
    let loaded =
        eqx::tree_deserialise_leaves(format!("{GOLDENS}/serialisation_mlp"), &like).unwrap();
    assert_eq!(loaded.layers[1].weight.shape(), &[8, 8]);
    // The loaded model runs, on Python's values: its affine chain W x + b equals the same chain
    // computed in f64 with plain loops from the values Python recorded.
    let records: Vec<Vec<f64>> = golden_json().section("mlp")["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect();
    let want = records.chunks(2).fold(vec![1.0f64; 2], |x, wb| {
        let (w, b) = (&wb[0], &wb[1]);
        (0..b.len())
            .map(|o| b[o] + (0..x.len()).map(|i| w[o * x.len() + i] * x[i]).sum::<f64>())
            .collect()
    });
    let y = loaded.layers.iter().fold(jnp::ones([2]), |x, l| {
        jnp::matmul(&l.weight, &x) + l.bias.as_ref().unwrap()
    });
    assert_eq!(y.shape(), &[3]);
    equinox_testing::assert_close(
        "reloaded MLP's affine chain",
        &y.to_vec::<f64>(),
        &want,
        Tolerance::F32.with_atol(1e-6),
    );
}

#[test]
fn python_mlp_with_wrong_width_is_refused_at_the_first_leaf() {
    let err = eqx::tree_deserialise_leaves(
        format!("{GOLDENS}/serialisation_mlp.eqx"),
        &mlp_template(2, 3, 7, 2),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "leaf `layers[0].weight` (leaf 0, record at byte 0): shape differs: (7, 2) in the template, (8, 2) on disk"
    );
    // One layer too few: the file's seventh record is trailing data.
    let err = eqx::tree_deserialise_leaves(
        format!("{GOLDENS}/serialisation_mlp.eqx"),
        &mlp_template(2, 3, 8, 1),
    );
    assert!(
        matches!(err, Err(SerialisationError::ShapeMismatch { ref leaf, .. }) if leaf.path.to_string() == "layers[1].weight")
    );
}

#[test]
fn numpy_record_variants_load() {
    // Fortran order, big-endian data and format versions 2.0/3.0, as numpy writes them.
    let json = golden_json();
    let golden = json.section("variants");
    let records = golden["records"].as_array().unwrap();
    let file = golden["file"].as_str().unwrap();
    assert_eq!(file, "serialisation_variants.eqx");
    let like: Vec<Array> = records
        .iter()
        .map(|r| {
            zeros(
                DType::from_name(r["dtype"].as_str().unwrap()).unwrap(),
                &sizes(&r["shape"]),
            )
        })
        .collect();
    let loaded =
        eqx::tree_deserialise_leaves(format!("{GOLDENS}/serialisation_variants.eqx"), &like)
            .unwrap();
    for (i, rec) in records.iter().enumerate() {
        assert_same(
            &loaded[i],
            &array_from_json(rec),
            &format!("variant {i} ({})", rec["descr"]),
        );
    }
    // Each record also reads on its own, leaving the reader at the next one.
    let bytes = golden_bytes(file);
    assert_eq!(bytes.len() as u64, golden["len"].as_u64().unwrap());
    let mut reader = bytes.as_slice();
    for rec in records {
        let a = serialisation::read_npy(&mut reader).unwrap();
        assert_same(&a, &array_from_json(rec), "read_npy");
    }
    assert!(reader.is_empty());
    json.assert_sections_read(&["variants"]);
}

// -------------------------------------------------------------------------------------------
// Round trips
// -------------------------------------------------------------------------------------------

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Random values of every bit pattern the dtype holds (NaNs, infinities, subnormals included).
fn random_array(rng: &mut Rng, dtype: DType, shape: &[usize]) -> Array {
    let n: usize = shape.iter().product();
    let mut bits = || rng.next();
    match dtype {
        DType::Bool => Array::from_vec((0..n).map(|_| bits() & 1 == 1).collect(), shape),
        DType::U8 => Array::from_vec((0..n).map(|_| bits() as u8).collect(), shape),
        DType::U16 => Array::from_vec((0..n).map(|_| bits() as u16).collect(), shape),
        DType::U32 => Array::from_vec((0..n).map(|_| bits() as u32).collect(), shape),
        DType::U64 => Array::from_vec((0..n).map(|_| bits()).collect(), shape),
        DType::I8 => Array::from_vec((0..n).map(|_| bits() as i8).collect(), shape),
        DType::I16 => Array::from_vec((0..n).map(|_| bits() as i16).collect(), shape),
        DType::I32 => Array::from_vec((0..n).map(|_| bits() as i32).collect(), shape),
        DType::I64 => Array::from_vec((0..n).map(|_| bits() as i64).collect(), shape),
        DType::F16 => Array::from_vec(
            (0..n).map(|_| f16::from_bits(bits() as u16)).collect(),
            shape,
        ),
        DType::BF16 => Array::from_vec(
            (0..n).map(|_| bf16::from_bits(bits() as u16)).collect(),
            shape,
        ),
        DType::F32 => Array::from_vec(
            (0..n).map(|_| f32::from_bits(bits() as u32)).collect(),
            shape,
        ),
        DType::F64 => Array::from_vec((0..n).map(|_| f64::from_bits(bits())).collect(), shape),
        // ALL_DTYPES lists the dtypes every format holds; complex has its own tests.
        DType::C64 | DType::C128 => panic!("no complex dtype in ALL_DTYPES"),
        // ALL_DTYPES holds no 8-bit float; float8_leaves_round_trip_bit_for_bit covers them.
        d => panic!("no {d} in ALL_DTYPES"),
    }
}

/// The raw bit patterns of the elements (NaN payloads included).
fn raw_bits(a: &Array) -> Vec<u64> {
    match a.dtype() {
        DType::F16 => a
            .as_slice::<f16>()
            .iter()
            .map(|x| x.to_bits() as u64)
            .collect(),
        DType::BF16 => a
            .as_slice::<bf16>()
            .iter()
            .map(|x| x.to_bits() as u64)
            .collect(),
        DType::F32 => a
            .as_slice::<f32>()
            .iter()
            .map(|x| x.to_bits() as u64)
            .collect(),
        DType::F64 => a.as_slice::<f64>().iter().map(|x| x.to_bits()).collect(),
        _ => a.to_vec::<i64>().iter().map(|&x| x as u64).collect(),
    }
}

const SHAPES: [&[usize]; 6] = [&[], &[1], &[5], &[0, 3], &[2, 1, 3], &[3, 4]];

#[test]
fn every_dtype_round_trips_bit_for_bit() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let tree: Vec<Vec<Array>> = ALL_DTYPES
        .iter()
        .map(|&d| {
            SHAPES
                .iter()
                .map(|s| random_array(&mut rng, d, s))
                .collect()
        })
        .collect();
    let like = tree::map(&tree, jnp::zeros_like);

    let dir = temp_dir("roundtrip");
    let path = dir.join("all.eqx");
    eqx::tree_serialise_leaves(&path, &tree).unwrap();
    let from_path = eqx::tree_deserialise_leaves(&path, &like).unwrap();
    let mut bytes = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut bytes, &tree).unwrap();
    assert_eq!(bytes, fs::read(&path).unwrap());
    let from_reader = serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &like).unwrap();
    let st = serialisation::from_safetensors_bytes(
        &serialisation::to_safetensors_bytes(&tree).unwrap(),
        &like,
    )
    .unwrap();
    serialisation::save_safetensors(dir.join("all.safetensors"), &tree).unwrap();
    let st_path = serialisation::load_safetensors(dir.join("all.safetensors"), &like).unwrap();

    for loaded in [&from_path, &from_reader, &st, &st_path] {
        for (a, b) in tree::leaves(&tree).iter().zip(tree::leaves(loaded)) {
            assert_eq!((a.dtype(), a.shape()), (b.dtype(), b.shape()));
            assert_eq!(raw_bits(a), raw_bits(b), "{} {:?}", a.dtype(), a.shape());
        }
    }
    // Each record is a whole number of 64-byte preamble blocks plus the data.
    let data: usize = tree::leaves(&tree)
        .iter()
        .map(|a| a.size() * a.dtype().size_in_bytes())
        .sum();
    assert_eq!((bytes.len() - data) % 64, 0);
    assert_eq!(dir_entries(&dir), ["all.eqx", "all.safetensors"]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn headers_match_numpy_for_every_dtype() {
    // The descr numpy writes for each dtype (bfloat16: ml_dtypes' 2-byte void).
    let descrs = [
        "|b1", "|u1", "<u2", "<u4", "<u8", "|i1", "<i2", "<i4", "<i8", "<f2", "<V2", "<f4", "<f8",
    ];
    assert_eq!(descrs.len(), ALL_DTYPES.len());
    for (&dtype, descr) in ALL_DTYPES.iter().zip(descrs) {
        let mut buf = Vec::new();
        serialisation::write_npy(&mut buf, &zeros(dtype, &[2, 3])).unwrap();
        let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 3), }}");
        assert_eq!(&buf[..6], b"\x93NUMPY");
        assert_eq!(&buf[6..10], &[1, 0, 118, 0]);
        assert_eq!(&buf[10..10 + header.len()], header.as_bytes());
        // 20 spaces of growth room for the first axis, padding, and a newline at byte 127.
        assert!(buf[10 + header.len()..127].iter().all(|&b| b == b' '));
        assert_eq!(buf[127], b'\n');
        assert_eq!(buf.len(), 128 + 6 * dtype.size_in_bytes());
    }
    // The shape tuple as Python prints it.
    for (shape, text) in [
        (&[][..], "()"),
        (&[7][..], "(7,)"),
        (&[0, 12345][..], "(0, 12345)"),
    ] {
        let mut buf = Vec::new();
        serialisation::write_npy(&mut buf, &zeros(DType::F32, shape)).unwrap();
        assert!(
            String::from_utf8_lossy(&buf).contains(&format!("'shape': {text}, }}")),
            "{text}"
        );
    }
}

#[test]
fn bfloat16_reads_from_either_void_descr() {
    // `np.load` reports `|V2`; ml_dtypes arrays are written as `<V2`. Both are bfloat16.
    let a = Array::from_vec(vec![bf16::from_f32(1.5), bf16::from_f32(-3.0)], [2]);
    let mut buf = Vec::new();
    serialisation::write_npy(&mut buf, &a).unwrap();
    assert_eq!(&buf[21..25], b"<V2'");
    let mut pipe = buf.clone();
    pipe[21] = b'|';
    let loaded = serialisation::read_npy(pipe.as_slice()).unwrap();
    assert_eq!(loaded.dtype(), DType::BF16);
    assert_eq!(loaded.to_vec::<f32>(), vec![1.5, -3.0]);
}

// -------------------------------------------------------------------------------------------
// Errors
// -------------------------------------------------------------------------------------------

#[derive(Module, Clone)]
#[module(debug)]
struct Net {
    layers: Vec<Linear>,
    scale: Array,
}

fn net(dims: &[usize]) -> Net {
    let layers = dims
        .windows(2)
        .map(|w| Linear {
            weight: jnp::full([w[1], w[0]], 0.5f32),
            bias: Some(jnp::full([w[1]], -1.0f32)),
            in_features: w[0],
            out_features: w[1],
            use_bias: true,
        })
        .collect();
    Net {
        layers,
        scale: Array::scalar(2i32),
    }
}

fn saved_net(dir: &Path) -> (PathBuf, Vec<u8>) {
    let path = dir.join("net.eqx");
    eqx::tree_serialise_leaves(&path, &net(&[2, 3, 4])).unwrap();
    let bytes = fs::read(&path).unwrap();
    (path, bytes)
}

#[test]
fn wrong_shape_names_the_leaf_and_both_shapes() {
    let dir = temp_dir("wrong-shape");
    let (path, _) = saved_net(&dir);
    let err = eqx::tree_deserialise_leaves(&path, &net(&[2, 3, 5])).unwrap_err();
    // Records: weight f32[3,2] 152 bytes, bias f32[3] 140 bytes, then layers[1].weight.
    assert_eq!(
        err.to_string(),
        "leaf `layers[1].weight` (leaf 2, record at byte 292): shape differs: (5, 3) in the template, (4, 3) on disk"
    );
    match err {
        SerialisationError::ShapeMismatch {
            leaf,
            expected,
            found,
        } => {
            assert_eq!((leaf.index, leaf.offset), (2, Some(292)));
            assert_eq!((expected, found), (vec![5, 3], vec![4, 3]));
        }
        other => panic!("{other:?}"),
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn wrong_dtype_names_the_leaf_and_both_dtypes() {
    let dir = temp_dir("wrong-dtype");
    let (path, _) = saved_net(&dir);
    let mut like = net(&[2, 3, 4]);
    like.scale = Array::scalar(2.0f32);
    let err = eqx::tree_deserialise_leaves(&path, &like).unwrap_err();
    assert!(
        err.to_string().starts_with("leaf `scale` (leaf 4,"),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with("dtype differs: float32 in the template, int32 on disk"),
        "{err}"
    );
    assert!(matches!(
        err,
        SerialisationError::DtypeMismatch {
            expected: DType::F32,
            found: DType::I32,
            ..
        }
    ));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn truncated_files_name_the_leaf_and_the_part() {
    let dir = temp_dir("truncated");
    let (path, bytes) = saved_net(&dir);
    let like = net(&[2, 3, 4]);
    let cut = dir.join("cut.eqx");

    // Cut inside the last record's data (scale: i32[], 4 bytes of data).
    fs::write(&cut, &bytes[..bytes.len() - 1]).unwrap();
    let err = eqx::tree_deserialise_leaves(&cut, &like).unwrap_err();
    assert!(
        matches!(
            err,
            SerialisationError::Truncated {
                part: "data",
                needed: 4,
                available: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(location(&err).path.to_string(), "scale");
    assert!(
        err.to_string()
            .contains("the record's data needs 4 bytes but only 3 remain"),
        "{err}"
    );

    // Cut inside a header.
    fs::write(&cut, &bytes[..152 + 50]).unwrap();
    let err = eqx::tree_deserialise_leaves(&cut, &like).unwrap_err();
    assert!(
        matches!(err, SerialisationError::Truncated { part: "header", .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("leaf `layers[0].bias` (leaf 1, record at byte 152)"),
        "{err}"
    );

    // Cut at a record boundary: the next leaf has no record at all.
    fs::write(&cut, &bytes[..152 + 140]).unwrap();
    let err = eqx::tree_deserialise_leaves(&cut, &like).unwrap_err();
    assert!(
        matches!(err, SerialisationError::MissingRecord { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("`layers[1].weight`"), "{err}");
    assert!(
        err.to_string()
            .contains("it holds 2 records but the template has more leaves"),
        "{err}"
    );

    // An empty file.
    fs::write(&cut, b"").unwrap();
    let err = eqx::tree_deserialise_leaves(&cut, &like).unwrap_err();
    assert_eq!(location(&err).path.to_string(), "layers[0].weight");
    // The original is fine.
    assert!(eqx::tree_deserialise_leaves(&path, &like).is_ok());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn trailing_data_is_refused_for_paths_but_left_for_readers() {
    let dir = temp_dir("trailing");
    let (path, mut bytes) = saved_net(&dir);
    let original_len = bytes.len() as u64;
    let like = net(&[2, 3, 4]);
    // A template with one leaf fewer than the file.
    let smaller = Net {
        layers: like.layers[..1].to_vec(),
        scale: like.scale.clone(),
    };
    let err = eqx::tree_deserialise_leaves(&path, &smaller).unwrap_err();
    // Its third leaf is `scale` (i32[]) but the third record is layers[1].weight.
    assert!(err.to_string().contains("`scale`"), "{err}");

    bytes.extend_from_slice(b"extra!");
    fs::write(&path, &bytes).unwrap();
    let err = eqx::tree_deserialise_leaves(&path, &like).unwrap_err();
    match &err {
        SerialisationError::TrailingData {
            records,
            offset,
            extra_bytes,
        } => {
            assert_eq!((*records, *offset, *extra_bytes), (5, original_len, 6));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("6 bytes follow the last of the template's 5 records"),
        "{err}"
    );

    // A reader stops after the last record; the rest is the caller's.
    let mut reader = bytes.as_slice();
    let loaded = serialisation::tree_deserialise_leaves_from(&mut reader, &like).unwrap();
    assert_eq!(reader, b"extra!");
    assert!(eqx::tree_equal(&loaded, &like));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_magic_and_bad_headers_are_named() {
    let (_, bytes) = saved_net(&temp_dir("bad-header"));
    let like = net(&[2, 3, 4]);
    let load = |b: &[u8]| serialisation::tree_deserialise_leaves_from(b, &like).unwrap_err();

    let mut bad = bytes.clone();
    bad[152] = b'X'; // first byte of the second record
    let err = load(&bad);
    assert!(
        matches!(err, SerialisationError::BadHeader { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with(
            "leaf `layers[0].bias` (leaf 1, record at byte 152): not a valid .npy record"
        ),
        "{err}"
    );
    assert!(err.to_string().contains("magic string"), "{err}");

    // Headers are ASCII: edit the first record's (bytes 10..128) as text, keeping its length.
    let edit = |from: &str, to: &str| {
        assert_eq!(from.len(), to.len());
        let mut b = bytes.clone();
        let header = String::from_utf8(b[10..128].to_vec()).unwrap();
        assert!(header.contains(from), "{header}");
        b[10..128].copy_from_slice(header.replacen(from, to, 1).as_bytes());
        b
    };
    let err = load(&edit("'descr'", "'dtype'"));
    assert!(err.to_string().contains("the header's keys are"), "{err}");
    let err = load(&edit("'<f4'", "'<U4'"));
    assert!(
        matches!(err, SerialisationError::UnsupportedDtype { ref descr, .. } if descr == "'<U4'"),
        "{err:?}"
    );
    assert!(err.to_string().contains("`layers[0].weight`"), "{err}");
    let err = load(&edit("(3, 2)", "(3, x)"));
    assert!(
        err.to_string().contains("expected a dimension size"),
        "{err}"
    );
    let err = load(&edit("False", "Flase"));
    assert!(
        matches!(err, SerialisationError::BadHeader { .. }),
        "{err:?}"
    );
    // A header whose padding lost its final newline (as a shifted header length gives) is
    // refused even though its dict still parses.
    let mut no_newline = bytes.clone();
    assert_eq!(no_newline[127], b'\n');
    no_newline[127] = b' ';
    let err = load(&no_newline);
    assert!(
        matches!(err, SerialisationError::BadHeader { .. })
            && err.to_string().contains("does not end with a newline"),
        "{err}"
    );

    let mut v4 = bytes.clone();
    v4[6] = 4;
    let err = load(&v4);
    assert!(
        err.to_string()
            .contains("unsupported .npy format version 4.0"),
        "{err}"
    );

    // A header length pointing past the end of the data is truncation, not an allocation.
    let mut long = bytes[..10].to_vec();
    long[8..10].copy_from_slice(&u16::MAX.to_le_bytes());
    let err = load(&long);
    assert!(
        matches!(
            err,
            SerialisationError::Truncated {
                part: "header",
                needed: 65535,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn corrupted_files_never_panic() {
    // Every single-byte corruption and every truncation of a small file gives Ok or Err.
    let like = (Array::from_vec(vec![1.0f32, 2.0], [2]), Array::scalar(true));
    let mut bytes = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut bytes, &like).unwrap();
    for i in 0..bytes.len() {
        for v in [0u8, b' ', b'(', b'\'', b'9', 0xff] {
            let mut b = bytes.clone();
            b[i] = v;
            let _ = serialisation::tree_deserialise_leaves_from(b.as_slice(), &like);
            let _ = serialisation::read_npy(b.as_slice());
        }
        assert!(serialisation::tree_deserialise_leaves_from(&bytes[..i], &like).is_err());
    }
}

/// A writer that fails once `limit` bytes have been written.
struct FailingWriter {
    written: Vec<u8>,
    limit: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written.len() + buf.len() > self.limit {
            return Err(io::Error::other("device full"));
        }
        self.written.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn failing_writer_reports_the_leaf_being_written() {
    let model = net(&[2, 3, 4]);
    let mut w = FailingWriter {
        written: Vec::new(),
        limit: 152 + 140 + 100,
    };
    let err = serialisation::tree_serialise_leaves_to(&mut w, &model).unwrap_err();
    assert!(matches!(err, SerialisationError::Io { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("writing the record of leaf `layers[1].weight` (leaf 2, record at byte 292)"),
        "{msg}"
    );
    assert!(msg.contains("device full"), "{msg}");
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(w.written.len(), 292);
}

#[test]
fn failed_path_writes_leave_no_temporary_file_and_keep_the_old_data() {
    let dir = temp_dir("atomic");
    // The target is a directory: the data is written, the final rename fails.
    fs::create_dir(dir.join("ckpt.eqx")).unwrap();
    fs::write(dir.join("ckpt.eqx/keep"), b"old").unwrap();
    let err = eqx::tree_serialise_leaves(dir.join("ckpt.eqx"), &net(&[2, 3])).unwrap_err();
    assert!(err.to_string().contains("renaming"), "{err}");
    assert_eq!(dir_entries(&dir), ["ckpt.eqx"]);
    assert_eq!(fs::read(dir.join("ckpt.eqx/keep")).unwrap(), b"old");
    let err = serialisation::save_safetensors(dir.join("ckpt.eqx"), &net(&[2, 3])).unwrap_err();
    assert!(err.to_string().contains("renaming"), "{err}");
    assert_eq!(dir_entries(&dir), ["ckpt.eqx"]);

    // A missing directory fails before anything is created.
    let err = eqx::tree_serialise_leaves(dir.join("missing/ckpt.eqx"), &net(&[2, 3])).unwrap_err();
    assert!(
        err.to_string().contains("creating a temporary file in")
            && err.to_string().contains("missing"),
        "{err}"
    );

    // Overwriting an existing checkpoint replaces it completely.
    let path = dir.join("model.eqx");
    eqx::tree_serialise_leaves(&path, &net(&[2, 3, 4])).unwrap();
    eqx::tree_serialise_leaves(&path, &net(&[2, 3])).unwrap();
    assert!(eqx::tree_deserialise_leaves(&path, &net(&[2, 3])).is_ok());
    assert_eq!(dir_entries(&dir), ["ckpt.eqx", "model.eqx"]);
    fs::remove_dir_all(&dir).unwrap();
}

// -------------------------------------------------------------------------------------------
// safetensors
// -------------------------------------------------------------------------------------------

#[test]
fn safetensors_names_are_leaf_paths() {
    let model = net(&[2, 3, 4]);
    let bytes = serialisation::to_safetensors_bytes(&model).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let mut names: Vec<&str> = header
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "layers[0].bias",
            "layers[0].weight",
            "layers[1].bias",
            "layers[1].weight",
            "scale"
        ]
    );
    assert_eq!(header["layers[1].weight"]["dtype"], "F32");
    assert_eq!(
        header["layers[1].weight"]["shape"],
        serde_json::json!([4, 3])
    );
    assert_eq!(header["scale"]["dtype"], "I32");
    // The data is little-endian f32: layers[0].weight is all 0.5.
    let [start, end] = [0, 1].map(|i| {
        header["layers[0].weight"]["data_offsets"][i]
            .as_u64()
            .unwrap() as usize
    });
    let data = &bytes[8 + n + start..8 + n + end];
    assert_eq!(data, 0.5f32.to_le_bytes().repeat(6));
}

#[test]
fn safetensors_structure_is_checked_both_ways() {
    let bytes = serialisation::to_safetensors_bytes(&net(&[2, 3, 4])).unwrap();
    let load = |like: &Net| serialisation::from_safetensors_bytes(&bytes, like);

    let err = load(&net(&[2, 3, 4, 1])).unwrap_err();
    assert!(matches!(err, SerialisationError::MissingTensor { .. }));
    assert_eq!(
        err.to_string(),
        "leaf `layers[2].weight` (leaf 4): the file has no tensor named \"layers[2].weight\""
    );

    let err = load(&net(&[2, 3])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the file holds tensors that the template has no leaf for: layers[1].bias, layers[1].weight"
    );

    let err = load(&net(&[2, 3, 5])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "leaf `layers[1].weight` (leaf 2): shape differs: (5, 3) in the template, (4, 3) on disk"
    );

    let mut like = net(&[2, 3, 4]);
    like.scale = Array::scalar(1u8);
    let err = load(&like).unwrap_err();
    assert_eq!(
        err.to_string(),
        "leaf `scale` (leaf 4): dtype differs: uint8 in the template, int32 on disk"
    );

    let err = serialisation::from_safetensors_bytes(&bytes[..20], &net(&[2, 3, 4])).unwrap_err();
    assert!(
        matches!(err, SerialisationError::Safetensors { .. }),
        "{err:?}"
    );
}

#[test]
fn safetensors_refuses_two_leaves_with_one_name() {
    /// A map key whose `Debug` form leaves out part of it.
    #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    struct Key(u32, u32);
    impl std::fmt::Debug for Key {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}", self.0)
        }
    }
    let tree: BTreeMap<Key, Array> =
        [(Key(1, 0), jnp::zeros([1])), (Key(1, 1), jnp::ones([1]))].into();
    let err = serialisation::to_safetensors_bytes(&tree).unwrap_err();
    assert_eq!(
        err.to_string(),
        "two leaves have the same path \"[1]\", so they cannot be named apart"
    );
}

#[test]
fn load_safetensors_refuses_a_device_that_never_ends() {
    let dev = Path::new("/dev/zero");
    if !dev.exists() {
        return;
    }
    let err = serialisation::load_safetensors(dev, &vec![jnp::zeros([2])]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "I/O error while reading /dev/zero: not a regular file"
    );
}

// -------------------------------------------------------------------------------------------
// Ports of Equinox's tests/test_serialisation.py
// -------------------------------------------------------------------------------------------

/// `_example_trees`: arrays of several kinds and Python scalars (0-d 64-bit arrays here),
/// plus a function and an object, which are static here and come back from `like`.
type Example = (
    Array,
    Array,
    Array,
    Array,
    (Array, Array, Array),
    fn(&Array) -> Array,
    String,
);

fn negate(x: &Array) -> Array {
    -x
}

fn example_trees() -> (Example, Example) {
    let tree = (
        Array::scalar(1i32),
        Array::from_vec(vec![1.0f32, 2.0], [2]),
        Array::scalar(1i64),
        Array::from_vec(vec![1.0f64, 2.0], [2]),
        (
            Array::scalar(true),
            Array::scalar(1i64),
            Array::scalar(1.0f64),
        ),
        identity as fn(&Array) -> Array,
        "tree object".to_string(),
    );
    let like = (
        Array::scalar(5i32),
        Array::from_vec(vec![6.0f32, 7.0], [2]),
        Array::scalar(5i64),
        Array::from_vec(vec![6.0f64, 7.0], [2]),
        (
            Array::scalar(false),
            Array::scalar(6i64),
            Array::scalar(6.0f64),
        ),
        negate as fn(&Array) -> Array,
        "like object".to_string(),
    );
    (tree, like)
}

fn check_example_loaded(tree: &Example, loaded: &Example) {
    let strip = |t: &Example| {
        (
            t.0.clone(),
            t.1.clone(),
            t.2.clone(),
            t.3.clone(),
            t.4.clone(),
        )
    };
    assert!(eqx::tree_equal(&strip(tree), &strip(loaded)));
    // Non-array content is the template's.
    assert_eq!(loaded.5 as usize, negate as fn(&Array) -> Array as usize);
    assert_eq!(loaded.6, "like object");
}

#[test]
fn leaf_serialisation_path() {
    let (tree, like) = example_trees();
    let dir = temp_dir("leaf-path");
    // As in Equinox, a path without an extension gets `.eqx`, on saving and on loading.
    eqx::tree_serialise_leaves(dir.join("example"), &tree).unwrap();
    assert_eq!(dir_entries(&dir), ["example.eqx"]);
    let loaded = eqx::tree_deserialise_leaves(dir.join("example"), &like).unwrap();
    check_example_loaded(&tree, &loaded);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn leaf_serialisation_file() {
    let (tree, like) = example_trees();
    let dir = temp_dir("leaf-file");
    let path = dir.join("test.eqx");
    {
        let mut file = io::BufWriter::new(fs::File::create(&path).unwrap());
        serialisation::tree_serialise_leaves_to(&mut file, &tree).unwrap();
    }
    let file = io::BufReader::new(fs::File::open(&path).unwrap());
    let loaded = serialisation::tree_deserialise_leaves_from(file, &like).unwrap();
    check_example_loaded(&tree, &loaded);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn helpful_errors() {
    // Loading itself fails: the template has leaves the file lacks.
    let mut bytes = Vec::new();
    let tree = (Array::scalar(1i32), BTreeMap::<String, Array>::new());
    serialisation::tree_serialise_leaves_to(&mut bytes, &tree).unwrap();
    let bad_like = (
        Array::scalar(2i32),
        BTreeMap::from([
            ("a".to_string(), Array::scalar(2i32)),
            ("b".to_string(), Array::scalar(2i32)),
        ]),
    );
    let err = serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &bad_like).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("leaf `.1[\"a\"]` (leaf 1, record at byte 132)"),
        "{err}"
    );

    // The types differ.
    let mut bytes = Vec::new();
    let tree = (
        Array::scalar(1i32),
        BTreeMap::from([
            ("a".to_string(), Array::scalar(1i32)),
            ("b".to_string(), Array::scalar(1i32)),
        ]),
    );
    serialisation::tree_serialise_leaves_to(&mut bytes, &tree).unwrap();
    let bad_like = (
        Array::scalar(2i32),
        BTreeMap::from([
            ("a".to_string(), Array::scalar(2.0f32)),
            ("b".to_string(), Array::scalar(2i32)),
        ]),
    );
    let err = serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &bad_like).unwrap_err();
    assert!(matches!(err, SerialisationError::DtypeMismatch { .. }));
    assert!(err.to_string().starts_with("leaf `.1[\"a\"]`"), "{err}");
}

#[test]
fn generic_dtype_serialisation() {
    // bfloat16 0-d arrays, and a tuple of scalars of several dtypes, with 1e-8 values.
    let one = Array::scalar(bf16::from_f32(1.0));
    let mut bytes = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut bytes, &one).unwrap();
    let loaded = serialisation::tree_deserialise_leaves_from(
        bytes.as_slice(),
        &Array::scalar(bf16::from_f32(2.0)),
    )
    .unwrap();
    assert_eq!(loaded.item::<bf16>(), bf16::from_f32(1.0));

    let tree = (
        Array::scalar(1e-8f32),
        Array::scalar(bf16::from_f64(1e-8)),
        Array::scalar(1e-8f32),
        Array::scalar(1e-8f32),
        Array::scalar(1e-8f64),
    );
    let like = (
        Array::scalar(2.0f32),
        Array::scalar(bf16::from_f32(2.0)),
        Array::scalar(2.0f32),
        Array::scalar(2.0f32),
        Array::scalar(2.0f64),
    );
    let mut bytes = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut bytes, &tree).unwrap();
    let loaded = serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &like).unwrap();
    for (a, b) in tree::leaves(&loaded).iter().zip(tree::leaves(&tree)) {
        assert_eq!(a.dtype(), b.dtype());
        assert_eq!(raw_bits(a), raw_bits(b));
    }
}

#[test]
fn python_scalar() {
    // A whole tree that is one 0-d float64 (Python's `1e-8`): its path is the root.
    let dir = temp_dir("python-scalar");
    eqx::tree_serialise_leaves(dir.join("x.eqx"), &Array::scalar(1e-8f64)).unwrap();
    let out = eqx::tree_deserialise_leaves(dir.join("x.eqx"), &Array::scalar(0.0f64)).unwrap();
    assert_eq!(out.item::<f64>(), 1e-8);
    let err = eqx::tree_deserialise_leaves(dir.join("x.eqx"), &Array::scalar(0.0f32)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("leaf <root> (leaf 0, record at byte 0): dtype differs"),
        "{err}"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn filtered_out_leaves_are_skipped_both_ways() {
    // Equinox's custom-filter-spec test skips the JAX arrays when saving and loads into a
    // `like` without them. Here the skipped leaves are filtered out (Equinox's `None`, which
    // is not a leaf): nothing is written or read for them.
    let (tree, _) = example_trees();
    let drop_i32 = |t: &Example| {
        tree::map(t, |x| {
            if x.dtype() == DType::I32 {
                Array::filtered_out(x.aval().clone())
            } else {
                x.clone()
            }
        })
    };
    let partial = drop_i32(&tree);
    let mut bytes = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut bytes, &partial).unwrap();
    let mut full = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut full, &tree).unwrap();
    assert_eq!(
        bytes.as_slice(),
        &full[132..],
        "the only i32 leaf is the first record (132 bytes)"
    );

    let (_, like) = example_trees();
    let loaded =
        serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &drop_i32(&like)).unwrap();
    assert!(loaded.0.is_filtered_out());
    assert!(eqx::tree_equal(&loaded.4, &tree.4));
    assert_eq!(loaded.6, "like object");
    // A template that keeps the leaf reads the file's records in the wrong places.
    assert!(serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &like).is_err());
    // safetensors skips them the same way.
    let st = serialisation::to_safetensors_bytes(&partial).unwrap();
    let loaded = serialisation::from_safetensors_bytes(&st, &drop_i32(&like)).unwrap();
    assert!(loaded.0.is_filtered_out());
    let err = serialisation::from_safetensors_bytes(&st, &like).unwrap_err();
    assert!(err.to_string().contains("no tensor named \".0\""), "{err}");
}

/// Opt-in checksums (`SaveOptions::checksum`, `LoadOptions::verify`): a sidecar in
/// `sha256sum`'s format beside each file; a verifying load refuses any flipped byte, in data
/// or header, of either format, while the plain load (Equinox's behaviour) is unchanged.
#[test]
fn checksum_sidecars_catch_every_flipped_byte_when_verifying() {
    use serialisation::{sidecar_path, LoadOptions, SaveOptions, Verify};
    let dir = temp_dir("checksums");
    let params = (
        jnp::arange(6.0f32).reshape([2, 3]),
        vec![Array::scalar(7i32)],
    );
    let save = SaveOptions { checksum: true };
    let required = LoadOptions {
        verify: Verify::Required,
    };
    let if_present = LoadOptions {
        verify: Verify::IfPresent,
    };
    let eqx_path = dir.join("params.eqx");
    let st_path = dir.join("params.safetensors");
    serialisation::tree_serialise_leaves_with_options(&eqx_path, &params, &save).unwrap();
    serialisation::save_safetensors_with_options(&st_path, &params, &save).unwrap();
    type Load = fn(
        &Path,
        &(Array, Vec<Array>),
        &LoadOptions,
    ) -> Result<(Array, Vec<Array>), SerialisationError>;
    let loads: [(&Path, Load); 2] = [
        (&eqx_path, |p, l, o| {
            serialisation::tree_deserialise_leaves_with_options(p, l, o)
        }),
        (&st_path, |p, l, o| {
            serialisation::load_safetensors_with_options(p, l, o)
        }),
    ];
    for (path, load) in loads {
        // The sidecar is `sha256sum`'s line for the file, and it verifies.
        let sidecar = fs::read_to_string(sidecar_path(path)).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(sidecar.ends_with(&format!("  {name}\n")), "{sidecar:?}");
        let loaded = load(path, &params, &required).unwrap();
        assert!(eqx::tree_equal(&loaded, &params));
        // Every single-byte flip is refused as a checksum mismatch before parsing.
        let good = fs::read(path).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x10;
            fs::write(path, &bad).unwrap();
            match load(path, &params, &if_present) {
                Err(SerialisationError::ChecksumMismatch {
                    expected, found, ..
                }) => {
                    assert_ne!(expected, found)
                }
                other => panic!("{name}: byte {i} flipped: {:?}", other.map(|_| ())),
            }
        }
        fs::write(path, &good).unwrap();
        // Without the sidecar: IfPresent loads, Required refuses, naming the sidecar.
        let kept = fs::read(sidecar_path(path)).unwrap();
        fs::remove_file(sidecar_path(path)).unwrap();
        assert!(load(path, &params, &if_present).is_ok());
        let err = load(path, &params, &required).err().unwrap();
        assert!(matches!(err, SerialisationError::ChecksumMissing { .. }));
        assert!(err.to_string().contains(".sha256 does not exist"), "{err}");
        // A sidecar that is not a digest is an error, not a silent pass.
        fs::write(sidecar_path(path), "not a digest\n").unwrap();
        let err = load(path, &params, &if_present).err().unwrap();
        assert!(
            matches!(err, SerialisationError::BadChecksumFile { .. }),
            "{err}"
        );
        fs::write(sidecar_path(path), kept).unwrap();
    }
    // The default save writes no sidecar; the default load ignores a stale one.
    let plain = dir.join("plain.eqx");
    eqx::tree_serialise_leaves(&plain, &params).unwrap();
    assert!(!sidecar_path(&plain).exists());
    fs::write(
        sidecar_path(&plain),
        format!("{}  plain.eqx\n", "0".repeat(64)),
    )
    .unwrap();
    assert!(eqx::tree_deserialise_leaves(&plain, &params).is_ok());
    let err = serialisation::tree_deserialise_leaves_with_options(&plain, &params, &required)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("does not match its checksum"),
        "{err}"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn float8_leaves_round_trip_bit_for_bit() {
    // Every code of every 8-bit float: .eqx (numpy's '|V1' records, the template naming the
    // format) and, for the three formats safetensors has, safetensors.
    let codes = Array::from_vec((0..=255u8).collect::<Vec<u8>>(), [16, 16]);
    let tree: Vec<Array> = eqx::FLOAT8_DTYPES
        .iter()
        .map(|&d| eqx::lax::bitcast_convert_type(&codes, d))
        .collect();
    let like = tree::map(&tree, jnp::zeros_like);
    let bits = |a: &Array| eqx::lax::bitcast_convert_type(a, DType::U8).to_vec::<u8>();
    let mut bytes = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut bytes, &tree).unwrap();
    let header = "{'descr': '|V1', 'fortran_order': False, 'shape': (16, 16), }";
    assert!(bytes.windows(header.len()).any(|w| w == header.as_bytes()));
    let back = serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &like).unwrap();
    for (a, b) in tree.iter().zip(&back) {
        assert_eq!(a.dtype(), b.dtype());
        assert_eq!(bits(a), bits(b), "{}", a.dtype());
    }

    let st_tree: Vec<Array> = [DType::F8E4M3Fn, DType::F8E5M2, DType::F8E8M0Fnu]
        .iter()
        .map(|&d| eqx::lax::bitcast_convert_type(&codes, d))
        .collect();
    let st_like = tree::map(&st_tree, jnp::zeros_like);
    let st = serialisation::from_safetensors_bytes(
        &serialisation::to_safetensors_bytes(&st_tree).unwrap(),
        &st_like,
    )
    .unwrap();
    for (a, b) in st_tree.iter().zip(&st) {
        assert_eq!(a.dtype(), b.dtype());
        assert_eq!(bits(a), bits(b), "{}", a.dtype());
    }
    // The other formats have no safetensors dtype.
    let e3m4 = vec![eqx::lax::bitcast_convert_type(&codes, DType::F8E3M4)];
    assert!(serialisation::to_safetensors_bytes(&e3m4).is_err());
}

#[test]
fn float4_leaves_round_trip_through_eqx_and_are_refused_by_safetensors() {
    // All 16 float4_e2m1fn values, -0 included, one per byte as numpy's '|V1' records.
    let values: Vec<f32> = [0.0f32, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]
        .iter()
        .flat_map(|&v| [v, -v])
        .collect();
    let tree = vec![Array::from_vec(values, [4, 4]).astype(DType::F4E2M1Fn)];
    let like = tree::map(&tree, jnp::zeros_like);
    let f32_bits = |a: &Array| {
        a.astype(DType::F32)
            .to_vec::<f32>()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<u32>>()
    };
    let mut bytes = Vec::new();
    serialisation::tree_serialise_leaves_to(&mut bytes, &tree).unwrap();
    let header = "{'descr': '|V1', 'fortran_order': False, 'shape': (4, 4), }";
    assert!(bytes.windows(header.len()).any(|w| w == header.as_bytes()));
    let back = serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &like).unwrap();
    assert_eq!(back[0].dtype(), DType::F4E2M1Fn);
    assert_eq!(f32_bits(&back[0]), f32_bits(&tree[0]));
    let err = serialisation::to_safetensors_bytes(&tree).unwrap_err();
    assert!(
        err.to_string().contains("its F4 packs two values per byte"),
        "{err}"
    );
}
