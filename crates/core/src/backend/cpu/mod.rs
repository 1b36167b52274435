//! The CPU backend: vectorisable loops, strided copies and multi-threading with rayon.
//!
//! The crate denies `unsafe` code except in the modules marked `allow(unsafe_code)` below:
//! writes into uninitialised buffers (through `uninit`'s two functions), the target-feature
//! dispatch of `simd`, the `gemm` calls of `matmul` and `lu`, the intrinsics of `matvec` (which
//! also factors in place through raw views) and `transpose_tile`, the non-temporal stores of
//! `stream` and the huge-page advice of `huge_pages`.

#[allow(unsafe_code)]
pub mod elementwise;
pub mod fft;
#[allow(unsafe_code)]
pub mod huge_pages;
pub mod indexed;
#[allow(unsafe_code)]
pub mod lu;
#[allow(unsafe_code)]
pub mod matmul;
#[allow(unsafe_code)]
mod matvec;
pub(crate) mod order_key;
pub mod philox;
#[allow(unsafe_code)]
pub mod reduce;
pub mod rng_bit_generator;
pub mod scan;
#[allow(unsafe_code)]
pub mod simd;
pub mod sort;
pub mod special;
#[allow(unsafe_code)]
pub mod stream;
#[allow(unsafe_code)]
pub mod strided;
pub(crate) mod subnormals;
pub mod threefry;
#[allow(unsafe_code)]
mod transpose_tile;
#[allow(unsafe_code)]
pub(crate) mod uninit;
pub mod vecmath;
pub mod vecmath_pow;
pub mod vecmath_trig;

/// Below this many elements an elementwise loop runs on the calling thread: splitting across
/// rayon workers costs a few microseconds, more than the loop itself.
pub const PARALLEL_THRESHOLD: usize = 1 << 16;
