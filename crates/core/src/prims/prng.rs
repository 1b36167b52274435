//! The PRNG primitives: the counter-based block functions behind JAX's key implementations
//! (`threefry2x32`, `threefry4x32`, `philox2x32`, `philox4x32`), `iota_2x32_shape`, the counter
//! generator JAX's partitionable PRNG feeds them (`jax/_src/random/*.py`), and XLA's
//! stateful-looking but pure `rng_bit_generator`, behind the `rbg` implementations.

use super::binary::elementwise_shape;
use super::{bind, describe, expect_arity, ops, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, DType, Shape, ShapeDtype};
use crate::backend::cpu::philox::{philox2x32_block, philox4x32_block};
use crate::backend::cpu::rng_bit_generator::{philox_bits, threefry_bits};
use crate::backend::cpu::threefry::{iota_2x32, map_lanes, threefry2x32_block, threefry4x32_block};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

/// Which algorithm [`PrngOp::RngBitGenerator`] runs (`jax.lax.RandomAlgorithm`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RandomAlgorithm {
    /// The platform's default: Philox on CPU (what JAX gets on CPU).
    #[default]
    Default,
    /// XLA's Threefry-2x32 bit generator.
    ThreeFry,
    /// XLA's Philox-4x32 bit generator.
    Philox,
}

impl std::fmt::Display for RandomAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RandomAlgorithm::Default => "RNG_DEFAULT",
            RandomAlgorithm::ThreeFry => "RNG_THREE_FRY",
            RandomAlgorithm::Philox => "RNG_PHILOX",
        })
    }
}

/// A PRNG primitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PrngOp {
    /// `threefry2x32(k0, k1, x0, x1) -> (y0, y1)`: the 20-round Threefry-2x32 block cipher
    /// applied elementwise. All four operands are `uint32` with equal shapes, or 0-d (a scalar
    /// broadcast to the others); both outputs have the common shape.
    Threefry2x32,
    /// `threefry4x32(k0..k3, x0..x3) -> (y0..y3)`: the 20-round Threefry-4x32 block cipher,
    /// elementwise over eight `uint32` operands (as [`PrngOp::Threefry2x32`]).
    Threefry4x32,
    /// `philox2x32(k0, x0, x1) -> (y0, y1)`: the 10-round Philox-2x32 block cipher, elementwise.
    Philox2x32,
    /// `philox4x32(k0, k1, x0..x3) -> (y0..y3)`: the 10-round Philox-4x32 block cipher,
    /// elementwise.
    Philox4x32,
    /// `iota_2x32_shape[shape]() -> (hi, lo)`: the high and low 32-bit words of a row-major
    /// 64-bit iota over `shape` (element `i` of the flattened output is the counter `i`).
    Iota2x32Shape {
        /// The output shape.
        shape: Shape,
    },
    /// `rng_bit_generator[shape, dtype, algorithm](key) -> (new_key, bits)`: XLA's
    /// `RngBitGenerator`. The key is `uint32[4]` (JAX's form, read as two little-endian `u64`
    /// words) or `uint64[2]`; `bits` has `shape` and an unsigned `dtype` of 8 to 64 bits.
    RngBitGenerator {
        /// The shape of the bits.
        shape: Shape,
        /// `uint8`, `uint16`, `uint32` or `uint64`.
        dtype: DType,
        /// The bit generator.
        algorithm: RandomAlgorithm,
    },
}

/// Checks the operands (named `operands`) of an elementwise block function and gives its
/// `outputs` outputs.
fn block_abstract_eval(
    op: &str,
    operands: &str,
    args: &[&ShapeDtype],
    outputs: usize,
) -> Vec<ShapeDtype> {
    expect_arity(op, args, operands.split(',').count());
    if args.iter().any(|a| a.dtype != DType::U32) {
        panic!(
            "{op}: all operands ({operands}) must be uint32, got {}",
            describe(args)
        );
    }
    let out = ShapeDtype::new(elementwise_shape(op, args), DType::U32);
    vec![out; outputs]
}

/// The `u64[2]` state of an `rng_bit_generator` key (`uint32[4]` words pair up little-endian).
fn key_state(key: &Array) -> [u64; 2] {
    match key.dtype() {
        DType::U64 => {
            let k = key.as_slice::<u64>();
            [k[0], k[1]]
        }
        _ => {
            let k = key.as_slice::<u32>();
            let word = |i: usize| u64::from(k[2 * i]) | u64::from(k[2 * i + 1]) << 32;
            [word(0), word(1)]
        }
    }
}

/// A new key in the form (dtype and shape) of `like`.
fn key_from_state(state: [u64; 2], like: DType) -> Array {
    match like {
        DType::U64 => Array::from_vec(state.to_vec(), [2]),
        _ => Array::from_vec(
            state
                .iter()
                .flat_map(|&s| [s as u32, (s >> 32) as u32])
                .collect::<Vec<u32>>(),
            [4],
        ),
    }
}

impl PrimitiveRule for PrngOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        match self {
            PrngOp::Threefry2x32
            | PrngOp::Threefry4x32
            | PrngOp::Philox2x32
            | PrngOp::Philox4x32 => Ok(lower_block(self, cx, args, &out[0])),
            PrngOp::Iota2x32Shape { shape } => {
                // A flat 64-bit iota, split into words, in the output's shape.
                let n: usize = shape.iter().product();
                let flat = ShapeDtype::new(vec![n], DType::U64);
                let iota = cx.op("stablehlo.iota", &[], "iota_dimension = 0 : i64", &flat);
                let iota = cx.op(
                    "stablehlo.reshape",
                    &[&iota],
                    "",
                    &ShapeDtype::new(shape.clone(), DType::U64),
                );
                let thirty_two = cx.int_scalar(DType::U64, 32);
                let high = cx.elementwise(
                    "stablehlo.shift_right_logical",
                    &[&iota, &thirty_two],
                    DType::U64,
                );
                Ok([high, iota]
                    .iter()
                    .map(|w| cx.op("stablehlo.convert", &[w], "", &out[0]))
                    .collect())
            }
            PrngOp::RngBitGenerator { algorithm, .. } => {
                let key = &args[0];
                // StableHLO's state is the key's bytes; a `uint32[4]` key pairs its words into
                // two little-endian `uint64`s first, as `key_state` reads it.
                let state = if key.aval.dtype == DType::U32 {
                    let pairs = cx.op(
                        "stablehlo.reshape",
                        &[key],
                        "",
                        &ShapeDtype::new(vec![2, 2], DType::U32),
                    );
                    cx.op(
                        "stablehlo.bitcast_convert",
                        &[&pairs],
                        "",
                        &ShapeDtype::new(vec![2], DType::U64),
                    )
                } else {
                    key.clone()
                };
                let name = match algorithm {
                    RandomAlgorithm::Default => "DEFAULT",
                    RandomAlgorithm::ThreeFry => "THREE_FRY",
                    RandomAlgorithm::Philox => "PHILOX",
                };
                let outs = cx.op_with_regions(
                    "stablehlo.rng_bit_generator",
                    &[&state],
                    &[],
                    &format!("rng_algorithm = #stablehlo<rng_algorithm {name}>"),
                    &[state.aval.clone(), out[1].clone()],
                );
                let new_key = if key.aval.dtype == DType::U32 {
                    let pairs = cx.op(
                        "stablehlo.bitcast_convert",
                        &[&outs[0]],
                        "",
                        &ShapeDtype::new(vec![2, 2], DType::U32),
                    );
                    cx.op("stablehlo.reshape", &[&pairs], "", &out[0])
                } else {
                    outs[0].clone()
                };
                Ok(vec![new_key, outs[1].clone()])
            }
        }
    }

    fn name(&self) -> &'static str {
        match self {
            PrngOp::Threefry2x32 => "threefry2x32",
            PrngOp::Threefry4x32 => "threefry4x32",
            PrngOp::Philox2x32 => "philox2x32",
            PrngOp::Philox4x32 => "philox4x32",
            PrngOp::Iota2x32Shape { .. } => "iota_2x32_shape",
            PrngOp::RngBitGenerator { .. } => "rng_bit_generator",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        match self {
            PrngOp::Threefry2x32 => block_abstract_eval("threefry2x32", "k0, k1, x0, x1", args, 2),
            PrngOp::Threefry4x32 => {
                block_abstract_eval("threefry4x32", "k0, k1, k2, k3, x0, x1, x2, x3", args, 4)
            }
            PrngOp::Philox2x32 => block_abstract_eval("philox2x32", "k0, x0, x1", args, 2),
            PrngOp::Philox4x32 => {
                block_abstract_eval("philox4x32", "k0, k1, x0, x1, x2, x3", args, 4)
            }
            PrngOp::Iota2x32Shape { shape } => {
                expect_arity("iota_2x32_shape", args, 0);
                let out = ShapeDtype::new(shape.clone(), DType::U32);
                vec![out.clone(), out]
            }
            PrngOp::RngBitGenerator { shape, dtype, .. } => {
                expect_arity("rng_bit_generator", args, 1);
                let key = args[0];
                let valid = (key.dtype == DType::U32 && key.shape.0[..] == [4])
                    || (key.dtype == DType::U64 && key.shape.0[..] == [2]);
                if !valid {
                    panic!(
                        "rng_bit_generator: the key must be uint32[4] or uint64[2], got {}",
                        describe(args)
                    );
                }
                if !matches!(dtype, DType::U8 | DType::U16 | DType::U32 | DType::U64) {
                    panic!("rng_bit_generator: unsupported dtype {dtype}");
                }
                vec![key.clone(), ShapeDtype::new(shape.clone(), *dtype)]
            }
        }
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let shape = out[0].shape.clone();
        let n = shape.size();
        let slices: Vec<&[u32]> = match self {
            PrngOp::RngBitGenerator { .. } | PrngOp::Iota2x32Shape { .. } => Vec::new(),
            _ => args.iter().map(|a| a.as_slice::<u32>()).collect(),
        };
        let lanes = |ws: Vec<Vec<u32>>| -> Vec<Array> {
            ws.into_iter()
                .map(|w| Array::from_vec(w, shape.clone()))
                .collect()
        };
        match self {
            PrngOp::Threefry2x32 => {
                let s: [&[u32]; 4] = std::array::from_fn(|i| slices[i]);
                lanes(map_lanes(s, n, threefry2x32_block).to_vec())
            }
            PrngOp::Threefry4x32 => {
                let s: [&[u32]; 8] = std::array::from_fn(|i| slices[i]);
                lanes(map_lanes(s, n, threefry4x32_block).to_vec())
            }
            PrngOp::Philox2x32 => {
                let s: [&[u32]; 3] = std::array::from_fn(|i| slices[i]);
                lanes(map_lanes(s, n, philox2x32_block).to_vec())
            }
            PrngOp::Philox4x32 => {
                let s: [&[u32]; 6] = std::array::from_fn(|i| slices[i]);
                lanes(map_lanes(s, n, philox4x32_block).to_vec())
            }
            PrngOp::Iota2x32Shape { .. } => {
                let (a, b) = iota_2x32(n);
                lanes(vec![a, b])
            }
            PrngOp::RngBitGenerator {
                shape,
                dtype,
                algorithm,
            } => {
                let state = key_state(args[0]);
                let width = dtype.bits();
                let (bits, new_state) = match algorithm {
                    RandomAlgorithm::Default | RandomAlgorithm::Philox => {
                        philox_bits(state, shape.size(), width)
                    }
                    RandomAlgorithm::ThreeFry => threefry_bits(state, &shape.0, width),
                };
                let bits =
                    Array::from_storage(super::convert::from_bits(&bits, *dtype), shape.clone());
                vec![key_from_state(new_state, args[0].dtype()), bits]
            }
        }
    }

    fn jvp(
        &self,
        primals: &[&Array],
        _tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        // Integer outputs: no tangents.
        rules::zero_jvp(self.clone(), primals)
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        match self {
            PrngOp::Threefry2x32
            | PrngOp::Threefry4x32
            | PrngOp::Philox2x32
            | PrngOp::Philox4x32 => rules::elementwise_batch(self.clone(), args, dims, axis_size),
            // No operands, so nothing is ever batched; the outputs are the same in every lane.
            PrngOp::Iota2x32Shape { .. } => (bind(self.clone(), args), vec![None, None]),
            PrngOp::RngBitGenerator {
                shape,
                dtype,
                algorithm,
            } => match dims[0] {
                None => (bind(self.clone(), args), vec![None, None]),
                // JAX's rule: one draw of shape (batch, *shape) from the first key, which alone
                // advances; the other keys come back unchanged.
                Some(d) => {
                    let keys = ops::moveaxis(args[0], d, 0);
                    let first = ops::index_in_dim(&keys, 0, 0, false);
                    let mut batched = vec![axis_size];
                    batched.extend_from_slice(&shape.0);
                    let op = PrngOp::RngBitGenerator {
                        shape: Shape::from(batched),
                        dtype: *dtype,
                        algorithm: *algorithm,
                    };
                    let mut out = bind(op, &[&first]);
                    let bits = out.pop().expect("rng_bit_generator has two outputs");
                    let new_key = out.pop().expect("rng_bit_generator has two outputs");
                    let zero = Array::scalar(0i32);
                    let keys = ops::dynamic_update_index_in_dim(&keys, &new_key, &zero, 0);
                    (vec![keys, bits], vec![Some(0), Some(0)])
                }
            },
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            PrngOp::Iota2x32Shape { shape } => vec![("shape", rules::py_tuple(shape))],
            PrngOp::RngBitGenerator {
                shape,
                dtype,
                algorithm,
            } => vec![
                ("algorithm", algorithm.to_string()),
                ("dtype", dtype.to_string()),
                ("shape", rules::py_tuple(shape)),
            ],
            _ => Vec::new(),
        }
    }
}

/// `uint32` tensors of one shape and the operations the block ciphers are made of, for their
/// StableHLO lowerings (each mirrors its CPU kernel in `backend/cpu`, operation for operation).
struct Words<'a> {
    cx: &'a mut LoweringContext,
    shape: Vec<usize>,
}

impl Words<'_> {
    /// The operands, each broadcast to the common shape.
    fn operands(&mut self, args: &[Value]) -> Vec<Value> {
        args.iter()
            .map(|a| self.cx.broadcast_to(a, &self.shape))
            .collect()
    }

    fn constant(&mut self, v: u32) -> Value {
        self.cx.int_scalar(DType::U32, i128::from(v))
    }

    fn binary(&mut self, op: &str, a: &Value, b: &Value) -> Value {
        self.cx.elementwise(op, &[a, b], DType::U32)
    }

    /// `a + b`, wrapping.
    fn add(&mut self, a: &Value, b: &Value) -> Value {
        self.binary("stablehlo.add", a, b)
    }

    /// `a + c`, wrapping.
    fn add_constant(&mut self, a: &Value, c: u32) -> Value {
        let c = self.constant(c);
        self.add(a, &c)
    }

    fn xor(&mut self, a: &Value, b: &Value) -> Value {
        self.binary("stablehlo.xor", a, b)
    }

    /// `x.rotate_left(r)`.
    fn rotate_left(&mut self, x: &Value, r: u32) -> Value {
        let (left, right) = (self.constant(r), self.constant(32 - r));
        let hi = self.binary("stablehlo.shift_left", x, &left);
        let lo = self.binary("stablehlo.shift_right_logical", x, &right);
        self.binary("stablehlo.or", &hi, &lo)
    }

    /// The high and low words of the 64-bit product `c * x`.
    fn mul_hi_lo(&mut self, c: u32, x: &Value) -> (Value, Value) {
        let wide = ShapeDtype::new(self.shape.clone(), DType::U64);
        let narrow = ShapeDtype::new(self.shape.clone(), DType::U32);
        let x = self.cx.op("stablehlo.convert", &[x], "", &wide);
        let c = self.cx.int_scalar(DType::U64, i128::from(c));
        let product = self
            .cx
            .elementwise("stablehlo.multiply", &[&x, &c], DType::U64);
        let thirty_two = self.cx.int_scalar(DType::U64, 32);
        let high = self.cx.elementwise(
            "stablehlo.shift_right_logical",
            &[&product, &thirty_two],
            DType::U64,
        );
        (
            self.cx.op("stablehlo.convert", &[&high], "", &narrow),
            self.cx.op("stablehlo.convert", &[&product], "", &narrow),
        )
    }
}

/// The StableHLO of a block cipher primitive: `args` elementwise into outputs of `out`'s shape.
fn lower_block(
    op: &PrngOp,
    cx: &mut LoweringContext,
    args: &[Value],
    out: &ShapeDtype,
) -> Vec<Value> {
    use crate::backend::cpu::philox::{M2X32, M4X32, ROUNDS, W32};
    use crate::backend::cpu::threefry::{KS_PARITY, ROTATIONS, ROTATIONS_4X32};
    let mut w = Words {
        cx,
        shape: out.shape.to_vec(),
    };
    let args = w.operands(args);
    match op {
        PrngOp::Threefry2x32 => {
            let (k0, k1) = (&args[0], &args[1]);
            let k01 = w.xor(k0, k1);
            let parity = w.constant(KS_PARITY);
            let ks = [k0.clone(), k1.clone(), w.xor(&k01, &parity)];
            let mut x0 = w.add(&args[2], &ks[0]);
            let mut x1 = w.add(&args[3], &ks[1]);
            for i in 0..5 {
                for &r in &ROTATIONS[i % 2] {
                    x0 = w.add(&x0, &x1);
                    let rotated = w.rotate_left(&x1, r);
                    x1 = w.xor(&rotated, &x0);
                }
                x0 = w.add(&x0, &ks[(i + 1) % 3]);
                x1 = w.add(&x1, &ks[(i + 2) % 3]);
                x1 = w.add_constant(&x1, i as u32 + 1);
            }
            vec![x0, x1]
        }
        PrngOp::Threefry4x32 => {
            let mut parity = w.constant(KS_PARITY);
            for k in &args[..4] {
                parity = w.xor(&parity, k);
            }
            let ks: Vec<Value> = args[..4].iter().cloned().chain([parity]).collect();
            let mut x: Vec<Value> = (0..4).map(|j| w.add(&args[4 + j], &ks[j])).collect();
            for round in 0..20 {
                let [r0, r1] = ROTATIONS_4X32[round % 8];
                let (a, b) = if round % 2 == 0 { (1, 3) } else { (3, 1) };
                x[0] = w.add(&x[0], &x[a]);
                let rotated = w.rotate_left(&x[a], r0);
                x[a] = w.xor(&rotated, &x[0]);
                x[2] = w.add(&x[2], &x[b]);
                let rotated = w.rotate_left(&x[b], r1);
                x[b] = w.xor(&rotated, &x[2]);
                if round % 4 == 3 {
                    let s = round / 4;
                    for (j, word) in x.iter_mut().enumerate() {
                        *word = w.add(word, &ks[(s + j + 1) % 5]);
                    }
                    x[3] = w.add_constant(&x[3], s as u32 + 1);
                }
            }
            x
        }
        PrngOp::Philox2x32 => {
            let (mut k0, mut x0, mut x1) = (args[0].clone(), args[1].clone(), args[2].clone());
            for round in 0..ROUNDS {
                if round > 0 {
                    k0 = w.add_constant(&k0, W32[0]);
                }
                let (hi, lo) = w.mul_hi_lo(M2X32, &x0);
                let mixed = w.xor(&hi, &x1);
                x0 = w.xor(&mixed, &k0);
                x1 = lo;
            }
            vec![x0, x1]
        }
        PrngOp::Philox4x32 => {
            let (mut k0, mut k1) = (args[0].clone(), args[1].clone());
            let mut x: Vec<Value> = args[2..6].to_vec();
            for round in 0..ROUNDS {
                if round > 0 {
                    k0 = w.add_constant(&k0, W32[0]);
                    k1 = w.add_constant(&k1, W32[1]);
                }
                let (hi0, lo0) = w.mul_hi_lo(M4X32[0], &x[0]);
                let (hi1, lo1) = w.mul_hi_lo(M4X32[1], &x[2]);
                let y0 = w.xor(&hi1, &x[1]);
                let y0 = w.xor(&y0, &k0);
                let y2 = w.xor(&hi0, &x[3]);
                let y2 = w.xor(&y2, &k1);
                x = vec![y0, lo1, y2, lo0];
            }
            x
        }
        _ => unreachable!("lower_block is called for the block ciphers only"),
    }
}
