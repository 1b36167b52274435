//! Element types and JAX's type-promotion lattice.

use std::fmt;

/// The element type of an [`Array`](crate::Array).
///
/// The names follow numpy/JAX (`float32`, `int32`, ...). `F32` is the default float type and
/// `I32` the default integer type, as in JAX's default 32-bit mode.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`: one byte per element, `false` or `true`.
    Bool,
    /// `uint8`.
    U8,
    /// `uint16`.
    U16,
    /// `uint32` (also the dtype of PRNG key data).
    U32,
    /// `uint64`.
    U64,
    /// `int8`.
    I8,
    /// `int16`.
    I16,
    /// `int32`, the default integer type.
    I32,
    /// `int64`.
    I64,
    /// `float16` (IEEE half precision).
    F16,
    /// `bfloat16`.
    BF16,
    /// `float32`, the default float type.
    F32,
    /// `float64`.
    F64,
    /// `complex64`: a pair of `float32` (real, imaginary), stored as [`Complex32`](crate::Complex32).
    C64,
    /// `complex128`: a pair of `float64`, stored as [`Complex64`](crate::Complex64).
    C128,
    /// `float8_e3m4`, stored as [`Float8E3M4`](crate::Float8E3M4).
    F8E3M4,
    /// `float8_e4m3`, stored as [`Float8E4M3`](crate::Float8E4M3).
    F8E4M3,
    /// `float8_e4m3b11fnuz`, stored as [`Float8E4M3B11Fnuz`](crate::Float8E4M3B11Fnuz).
    F8E4M3B11Fnuz,
    /// `float8_e4m3fn`, stored as [`Float8E4M3Fn`](crate::Float8E4M3Fn).
    F8E4M3Fn,
    /// `float8_e4m3fnuz`, stored as [`Float8E4M3Fnuz`](crate::Float8E4M3Fnuz).
    F8E4M3Fnuz,
    /// `float8_e5m2`, stored as [`Float8E5M2`](crate::Float8E5M2).
    F8E5M2,
    /// `float8_e5m2fnuz`, stored as [`Float8E5M2Fnuz`](crate::Float8E5M2Fnuz).
    F8E5M2Fnuz,
    /// `float8_e8m0fnu`, stored as [`Float8E8M0Fnu`](crate::Float8E8M0Fnu).
    F8E8M0Fnu,
    /// `float4_e2m1fn`, stored one value per byte as [`Float4E2M1Fn`](crate::Float4E2M1Fn).
    F4E2M1Fn,
}

/// Every real (non-complex) dtype but the 8- and 4-bit floats, in a fixed order (useful for
/// tests and tables); the complex ones are [`COMPLEX_DTYPES`], the 8-bit floats
/// [`FLOAT8_DTYPES`] and the 4-bit one [`FLOAT4_DTYPES`] (kept apart because they promote with
/// no other float and most tables do not apply to them).
pub const ALL_DTYPES: [DType; 13] = [
    DType::Bool,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::F16,
    DType::BF16,
    DType::F32,
    DType::F64,
];

/// The complex dtypes: `complex64` and `complex128`.
pub const COMPLEX_DTYPES: [DType; 2] = [DType::C64, DType::C128];

/// The 8-bit float dtypes JAX has, in `jnp`'s alphabetical order.
pub const FLOAT8_DTYPES: [DType; 8] = [
    DType::F8E3M4,
    DType::F8E4M3,
    DType::F8E4M3B11Fnuz,
    DType::F8E4M3Fn,
    DType::F8E4M3Fnuz,
    DType::F8E5M2,
    DType::F8E5M2Fnuz,
    DType::F8E8M0Fnu,
];

/// The 4-bit float dtypes JAX has: `float4_e2m1fn`.
pub const FLOAT4_DTYPES: [DType; 1] = [DType::F4E2M1Fn];

impl DType {
    /// The numpy name of the dtype (`"float32"`, `"int32"`, `"bool"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::C64 => "complex64",
            DType::C128 => "complex128",
            DType::F8E3M4 => "float8_e3m4",
            DType::F8E4M3 => "float8_e4m3",
            DType::F8E4M3B11Fnuz => "float8_e4m3b11fnuz",
            DType::F8E4M3Fn => "float8_e4m3fn",
            DType::F8E4M3Fnuz => "float8_e4m3fnuz",
            DType::F8E5M2 => "float8_e5m2",
            DType::F8E5M2Fnuz => "float8_e5m2fnuz",
            DType::F8E8M0Fnu => "float8_e8m0fnu",
            DType::F4E2M1Fn => "float4_e2m1fn",
        }
    }

    /// The short name JAX uses when printing avals (`f32`, `i32`, `bool`, ...).
    pub fn short_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "u8",
            DType::U16 => "u16",
            DType::U32 => "u32",
            DType::U64 => "u64",
            DType::I8 => "i8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::C64 => "c64",
            DType::C128 => "c128",
            DType::F8E3M4 => "f8_e3m4",
            DType::F8E4M3 => "f8_e4m3",
            DType::F8E4M3B11Fnuz => "f8_e4m3b11fnuz",
            DType::F8E4M3Fn => "f8_e4m3fn",
            DType::F8E4M3Fnuz => "f8_e4m3fnuz",
            DType::F8E5M2 => "f8_e5m2",
            DType::F8E5M2Fnuz => "f8_e5m2fnuz",
            DType::F8E8M0Fnu => "f8_e8m0fnu",
            DType::F4E2M1Fn => "f4_e2m1fn",
        }
    }

    /// Parses a numpy dtype name (`"float32"`) or JAX's short name (`"f32"`).
    pub fn from_name(name: &str) -> Option<DType> {
        ALL_DTYPES
            .iter()
            .chain(COMPLEX_DTYPES.iter())
            .chain(FLOAT8_DTYPES.iter())
            .chain(FLOAT4_DTYPES.iter())
            .copied()
            .find(|d| d.name() == name || d.short_name() == name)
    }

    /// Size of one element in bytes.
    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::Bool | DType::U8 | DType::I8 => 1,
            DType::F8E3M4
            | DType::F8E4M3
            | DType::F8E4M3B11Fnuz
            | DType::F8E4M3Fn
            | DType::F8E4M3Fnuz
            | DType::F8E5M2
            | DType::F8E5M2Fnuz
            | DType::F8E8M0Fnu
            | DType::F4E2M1Fn => 1,
            DType::U16 | DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::U32 | DType::I32 | DType::F32 => 4,
            DType::U64 | DType::I64 | DType::F64 | DType::C64 => 8,
            DType::C128 => 16,
        }
    }

    /// True for the real floating-point dtypes (not the complex ones: see [`DType::is_inexact`]).
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::BF16 | DType::F32 | DType::F64) || self.is_narrow_float()
    }

    /// True for the floats of 8 bits and fewer ([`FLOAT8_DTYPES`] and [`FLOAT4_DTYPES`]): one
    /// value per byte, computed by XLA through `float16` (`float32` for `float8_e8m0fnu`), and
    /// promoting with no other float.
    pub const fn is_narrow_float(self) -> bool {
        self.is_float8() || matches!(self, DType::F4E2M1Fn)
    }

    /// True for the 8-bit floats ([`FLOAT8_DTYPES`]).
    pub const fn is_float8(self) -> bool {
        // A `matches!` rather than a search of the table, so that it folds away in the
        // monomorphised conversion loops.
        matches!(
            self,
            DType::F8E3M4
                | DType::F8E4M3
                | DType::F8E4M3B11Fnuz
                | DType::F8E4M3Fn
                | DType::F8E4M3Fnuz
                | DType::F8E5M2
                | DType::F8E5M2Fnuz
                | DType::F8E8M0Fnu
        )
    }

    /// True for `complex64` and `complex128`.
    pub fn is_complex(self) -> bool {
        matches!(self, DType::C64 | DType::C128)
    }

    /// True for float and complex dtypes (numpy's `inexact`): the dtypes that carry tangents.
    pub fn is_inexact(self) -> bool {
        self.is_float() || self.is_complex()
    }

    /// The real dtype of a complex dtype's parts (`complex64 → float32`); real dtypes map to
    /// themselves (JAX's `dtypes.to_inexact_dtype` inverse, numpy's `finfo(d).dtype`).
    pub fn real_dtype(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            d => d,
        }
    }

    /// The complex dtype whose parts have this float dtype: `float64 → complex128`, every other
    /// dtype `→ complex64` (JAX promotes `float16`/`bfloat16` with `1j` to `complex64`).
    pub fn complex_dtype(self) -> DType {
        match self {
            DType::F64 | DType::C128 => DType::C128,
            _ => DType::C64,
        }
    }

    /// True for signed and unsigned integer dtypes (not `bool`).
    pub fn is_integer(self) -> bool {
        self.is_signed_integer() || self.is_unsigned_integer()
    }

    /// True for the signed integer dtypes.
    pub fn is_signed_integer(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }

    /// True for the unsigned integer dtypes.
    pub fn is_unsigned_integer(self) -> bool {
        matches!(self, DType::U8 | DType::U16 | DType::U32 | DType::U64)
    }

    /// True for `bool`.
    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }

    /// Number of bits of one element (4 for `float4_e2m1fn`, which is stored in a byte).
    pub fn bits(self) -> u32 {
        match self {
            DType::F4E2M1Fn => 4,
            d => d.size_in_bytes() as u32 * 8,
        }
    }

    /// The gap between 1 and the next larger value of a real float dtype (`finfo(d).eps`);
    /// panics for other dtypes.
    pub(crate) fn eps(self) -> f64 {
        use num_traits::Float;
        crate::with_float_dtype!(self, T => crate::ArrayElement::to_f64(T::epsilon()),
            _ => panic!("eps: {self} is not a real floating-point dtype"))
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A node of JAX's type-promotion lattice (`jax._src.dtypes._type_promotion_lattice`).
///
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Node {
    B1,
    U1,
    U2,
    U4,
    U8,
    WeakInt,
    I1,
    I2,
    I4,
    I8,
    WeakFloat,
    /// An 8- or 4-bit float: above the weak float only, below nothing (JAX's small float
    /// types).
    Small(DType),
    BF,
    F2,
    F4,
    F8,
    WeakComplex,
    C8,
    C16,
}

const NODES: [Node; 27] = [
    Node::B1,
    Node::U1,
    Node::U2,
    Node::U4,
    Node::U8,
    Node::WeakInt,
    Node::I1,
    Node::I2,
    Node::I4,
    Node::I8,
    Node::WeakFloat,
    Node::Small(DType::F8E3M4),
    Node::Small(DType::F8E4M3),
    Node::Small(DType::F8E4M3B11Fnuz),
    Node::Small(DType::F8E4M3Fn),
    Node::Small(DType::F8E4M3Fnuz),
    Node::Small(DType::F8E5M2),
    Node::Small(DType::F8E5M2Fnuz),
    Node::Small(DType::F8E8M0Fnu),
    Node::Small(DType::F4E2M1Fn),
    Node::BF,
    Node::F2,
    Node::F4,
    Node::F8,
    Node::WeakComplex,
    Node::C8,
    Node::C16,
];

impl Node {
    /// Direct successors in the lattice (`C8`/`C16` are complex64/complex128).
    fn successors(self) -> &'static [Node] {
        use Node::*;
        match self {
            B1 => &[WeakInt],
            U1 => &[I2, U2],
            U2 => &[I4, U4],
            U4 => &[I8, U8],
            U8 => &[WeakFloat],
            WeakInt => &[U1, I1],
            I1 => &[I2],
            I2 => &[I4],
            I4 => &[I8],
            I8 => &[WeakFloat],
            WeakFloat => &[
                Small(DType::F8E3M4),
                Small(DType::F8E4M3),
                Small(DType::F8E4M3B11Fnuz),
                Small(DType::F8E4M3Fn),
                Small(DType::F8E4M3Fnuz),
                Small(DType::F8E5M2),
                Small(DType::F8E5M2Fnuz),
                Small(DType::F8E8M0Fnu),
                Small(DType::F4E2M1Fn),
                BF,
                F2,
                WeakComplex,
            ],
            Small(_) => &[],
            BF => &[F4],
            F2 => &[F4],
            F4 => &[F8, C8],
            F8 => &[C16],
            WeakComplex => &[C8],
            C8 => &[C16],
            C16 => &[],
        }
    }

    fn index(self) -> usize {
        NODES.iter().position(|n| *n == self).unwrap()
    }

    /// Bit set of every node reachable from `self`, itself included.
    fn upper_bounds(self) -> u32 {
        let mut set = 1u32 << self.index();
        for s in self.successors() {
            set |= s.upper_bounds();
        }
        set
    }

    fn of(dtype: DType, weak: bool) -> Node {
        match (dtype, weak) {
            (DType::Bool, _) => Node::B1,
            (d, true) if d.is_integer() => Node::WeakInt,
            (d, true) if d.is_float() => Node::WeakFloat,
            (DType::C64 | DType::C128, true) => Node::WeakComplex,
            (DType::U8, _) => Node::U1,
            (DType::U16, _) => Node::U2,
            (DType::U32, _) => Node::U4,
            (DType::U64, _) => Node::U8,
            (DType::I8, _) => Node::I1,
            (DType::I16, _) => Node::I2,
            (DType::I32, _) => Node::I4,
            (DType::I64, _) => Node::I8,
            (DType::F16, _) => Node::F2,
            (DType::BF16, _) => Node::BF,
            (DType::F32, _) => Node::F4,
            (DType::F64, _) => Node::F8,
            (DType::C64, _) => Node::C8,
            (DType::C128, _) => Node::C16,
            (d, _) => Node::Small(d),
        }
    }

    /// How JAX's promotion error names an operand, as Python's `repr` of the string: the
    /// dtype, or the Python type of a weak one.
    fn describe(dtype: DType, weak: bool) -> String {
        match Node::of(dtype, weak) {
            Node::WeakInt => "\"<class 'int'>\"".into(),
            Node::WeakFloat => "\"<class 'float'>\"".into(),
            Node::WeakComplex => "\"<class 'complex'>\"".into(),
            _ => format!("'{}'", dtype.name()),
        }
    }
}

/// The result of promoting `(a, a_weak)` with `(b, b_weak)`: the dtype and whether it is weak.
///
/// This is JAX's `jnp.result_type` on two operands. Weakly typed values (Rust scalar literals,
/// like Python scalars in JAX) take the other side's dtype where they can: `f32 array * 2.0`
/// stays `f32`, `bf16 array + 1` stays `bf16`, and `i32 array * 2.0` becomes a weak `f32`.
pub fn promote_types_weak(a: DType, a_weak: bool, b: DType, b_weak: bool) -> (DType, bool) {
    // Every eager binary operation promotes its operands, and walking the lattice costs more
    // than the rest of a small operation's dispatch: each pair's result is computed once.
    // A pair with no promotion path panics every time (its cell stays empty).
    let operand = |d: DType, weak: bool| 2 * d as usize + weak as usize;
    PROMOTIONS[operand(a, a_weak) * 2 * DTYPE_COUNT + operand(b, b_weak)]
        .get_or_init(|| promote_on_lattice(a, a_weak, b, b_weak))
        .to_owned()
}

/// The number of `DType` variants (`F4E2M1Fn` is the last).
const DTYPE_COUNT: usize = DType::F4E2M1Fn as usize + 1;

/// [`promote_types_weak`]'s results, one cell per pair of (dtype, weak) operands.
static PROMOTIONS: [std::sync::OnceLock<(DType, bool)>; 4 * DTYPE_COUNT * DTYPE_COUNT] =
    [const { std::sync::OnceLock::new() }; 4 * DTYPE_COUNT * DTYPE_COUNT];

/// [`promote_types_weak`] computed on JAX's type lattice.
fn promote_on_lattice(a: DType, a_weak: bool, b: DType, b_weak: bool) -> (DType, bool) {
    let (na, nb) = (Node::of(a, a_weak), Node::of(b, b_weak));
    let common = na.upper_bounds() & nb.upper_bounds();
    if common == 0 {
        // Only the 8- and 4-bit floats have no common bound with another type; JAX names the
        // 8-bit floats when either operand is one.
        let bits = if a.is_float8() || b.is_float8() { 8 } else { 4 };
        panic!(
            "TypePromotionError: Input dtypes ({}, {}) have no available implicit dtype \
             promotion path. To avoid unintended promotion, {bits}-bit floats do not support \
             implicit promotion. If you'd like your inputs to be promoted to another type, you \
             can do so explicitly using e.g. x.astype('float32')",
            Node::describe(a, a_weak),
            Node::describe(b, b_weak)
        );
    }
    // The least upper bound is the one common bound whose own upper bounds contain all others.
    let lub = NODES
        .iter()
        .copied()
        .find(|n| common & (1 << n.index()) != 0 && n.upper_bounds() == common)
        .expect("the promotion lattice has a least upper bound for every pair of types");
    // A result that stays weak takes JAX's default-mode dtypes (int32, float32), whatever
    // precision the weak operands were carried in.
    match lub {
        Node::WeakInt => (DType::I32, true),
        // Only `uint64` against a signed integer meets at the weak float node with both sides
        // strong. JAX (x64) gives a weak `float64` there; here it is a strong `float64`,
        // because a weak result is re-promoted as float32 (see above) and would lose the
        // precision JAX keeps. Only the weak flag differs from JAX.
        Node::WeakFloat if !a_weak && !b_weak => (DType::F64, false),
        Node::WeakFloat => (DType::F32, true),
        Node::WeakComplex => (DType::C64, true),
        Node::B1 => (DType::Bool, false),
        Node::U1 => (DType::U8, false),
        Node::U2 => (DType::U16, false),
        Node::U4 => (DType::U32, false),
        Node::U8 => (DType::U64, false),
        Node::I1 => (DType::I8, false),
        Node::I2 => (DType::I16, false),
        Node::I4 => (DType::I32, false),
        Node::I8 => (DType::I64, false),
        Node::BF => (DType::BF16, false),
        Node::F2 => (DType::F16, false),
        Node::F4 => (DType::F32, false),
        Node::F8 => (DType::F64, false),
        Node::C8 => (DType::C64, false),
        Node::C16 => (DType::C128, false),
        Node::Small(d) => (d, false),
    }
}

/// `jnp.promote_types(a, b)` for two strongly typed dtypes.
///
/// ```
/// use equinox_core::{promote_types, DType};
/// assert_eq!(promote_types(DType::U32, DType::I32), DType::I64);
/// assert_eq!(promote_types(DType::F16, DType::BF16), DType::F32);
/// assert_eq!(promote_types(DType::F64, DType::C64), DType::C128);
/// ```
pub fn promote_types(a: DType, b: DType) -> DType {
    promote_types_weak(a, false, b, false).0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cached promotion table agrees with the lattice for every pair of operands,
    /// including the pairs with no promotion path (both panic), and covers every dtype.
    #[test]
    fn cached_promotions_match_the_lattice() {
        let every: Vec<DType> = ALL_DTYPES
            .iter()
            .chain(&COMPLEX_DTYPES)
            .chain(&FLOAT8_DTYPES)
            .chain(&FLOAT4_DTYPES)
            .copied()
            .collect();
        assert_eq!(every.len(), DTYPE_COUNT);
        for &a in &every {
            for &b in &every {
                for (aw, bw) in [(false, false), (false, true), (true, false), (true, true)] {
                    let lattice = std::panic::catch_unwind(|| promote_on_lattice(a, aw, b, bw));
                    // Twice: the first call fills the cell, the second reads it.
                    for _ in 0..2 {
                        let cached = std::panic::catch_unwind(|| promote_types_weak(a, aw, b, bw));
                        assert_eq!(cached.ok(), lattice.as_ref().ok().copied(), "{a:?} {b:?}");
                    }
                }
            }
        }
    }
}
