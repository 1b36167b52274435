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
    /// `uint32` (also the dtype of PRNG key data).
    U32,
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
}

/// Every dtype, in a fixed order (useful for tests and tables).
pub const ALL_DTYPES: [DType; 9] = [
    DType::Bool,
    DType::U8,
    DType::U32,
    DType::I32,
    DType::I64,
    DType::F16,
    DType::BF16,
    DType::F32,
    DType::F64,
];

impl DType {
    /// The numpy name of the dtype (`"float32"`, `"int32"`, `"bool"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::U32 => "uint32",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// The short name JAX uses when printing avals (`f32`, `i32`, `bool`, ...).
    pub fn short_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "u8",
            DType::U32 => "u32",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::F32 => "f32",
            DType::F64 => "f64",
        }
    }

    /// Parses a numpy dtype name (`"float32"`) or JAX's short name (`"f32"`).
    pub fn from_name(name: &str) -> Option<DType> {
        ALL_DTYPES
            .iter()
            .copied()
            .find(|d| d.name() == name || d.short_name() == name)
    }

    /// Size of one element in bytes.
    pub fn size_in_bytes(self) -> usize {
        match self {
            DType::Bool | DType::U8 => 1,
            DType::F16 | DType::BF16 => 2,
            DType::U32 | DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 => 8,
        }
    }

    /// True for the floating-point dtypes ("inexact" in numpy terms; there are no complex dtypes).
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::BF16 | DType::F32 | DType::F64)
    }

    /// True for signed and unsigned integer dtypes (not `bool`).
    pub fn is_integer(self) -> bool {
        matches!(self, DType::U8 | DType::U32 | DType::I32 | DType::I64)
    }

    /// True for the signed integer dtypes.
    pub fn is_signed_integer(self) -> bool {
        matches!(self, DType::I32 | DType::I64)
    }

    /// True for the unsigned integer dtypes.
    pub fn is_unsigned_integer(self) -> bool {
        matches!(self, DType::U8 | DType::U32)
    }

    /// True for `bool`.
    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }

    /// Number of bits of one element.
    pub fn bits(self) -> u32 {
        self.size_in_bytes() as u32 * 8
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A node of JAX's type-promotion lattice (`jax._src.dtypes._type_promotion_lattice`).
///
/// The lattice includes types this crate does not store (i8, i16, u16, u64) because least upper
/// bounds pass through them: `uint32 ⊔ int32 = int64` only comes out right with the full lattice.
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
    BF,
    F2,
    F4,
    F8,
}

const NODES: [Node; 15] = [
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
    Node::BF,
    Node::F2,
    Node::F4,
    Node::F8,
];

impl Node {
    /// Direct successors in the lattice (complex types omitted: no real inputs reach them).
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
            WeakFloat => &[BF, F2],
            BF => &[F4],
            F2 => &[F4],
            F4 => &[F8],
            F8 => &[],
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
            (DType::U8 | DType::U32 | DType::I32 | DType::I64, true) => Node::WeakInt,
            (DType::F16 | DType::BF16 | DType::F32 | DType::F64, true) => Node::WeakFloat,
            (DType::U8, _) => Node::U1,
            (DType::U32, _) => Node::U4,
            (DType::I32, _) => Node::I4,
            (DType::I64, _) => Node::I8,
            (DType::F16, _) => Node::F2,
            (DType::BF16, _) => Node::BF,
            (DType::F32, _) => Node::F4,
            (DType::F64, _) => Node::F8,
        }
    }
}

/// The result of promoting `(a, a_weak)` with `(b, b_weak)`: the dtype and whether it is weak.
///
/// This is JAX's `jnp.result_type` on two operands. Weakly typed values (Rust scalar literals,
/// like Python scalars in JAX) take the other side's dtype where they can: `f32 array * 2.0`
/// stays `f32`, `bf16 array + 1` stays `bf16`, and `i32 array * 2.0` becomes a weak `f32`.
pub fn promote_types_weak(a: DType, a_weak: bool, b: DType, b_weak: bool) -> (DType, bool) {
    let (na, nb) = (Node::of(a, a_weak), Node::of(b, b_weak));
    let common = na.upper_bounds() & nb.upper_bounds();
    // The least upper bound is the one common bound whose own upper bounds contain all others.
    let lub = NODES
        .iter()
        .copied()
        .find(|n| common & (1 << n.index()) != 0 && n.upper_bounds() == common)
        .expect("the promotion lattice has a least upper bound for every pair of real types");
    // A result that stays weak takes JAX's default-mode dtypes (int32, float32), whatever
    // precision the weak operands were carried in.
    match lub {
        Node::WeakInt => (DType::I32, true),
        Node::WeakFloat => (DType::F32, true),
        Node::B1 => (DType::Bool, false),
        Node::U1 => (DType::U8, false),
        Node::U4 => (DType::U32, false),
        Node::I4 => (DType::I32, false),
        Node::I8 => (DType::I64, false),
        Node::BF => (DType::BF16, false),
        Node::F2 => (DType::F16, false),
        Node::F4 => (DType::F32, false),
        Node::F8 => (DType::F64, false),
        other => panic!(
            "promote_types: {a} and {b} promote to {other:?}, a dtype this library does not store"
        ),
    }
}

/// `jnp.promote_types(a, b)` for two strongly typed dtypes.
///
/// ```
/// use equinox_core::{promote_types, DType};
/// assert_eq!(promote_types(DType::U32, DType::I32), DType::I64);
/// assert_eq!(promote_types(DType::F16, DType::BF16), DType::F32);
/// ```
pub fn promote_types(a: DType, b: DType) -> DType {
    promote_types_weak(a, false, b, false).0
}
