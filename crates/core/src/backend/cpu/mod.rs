//! The CPU backend: vectorisable loops, strided copies and multi-threading with rayon.

pub mod elementwise;
pub mod fft;
pub mod indexed;
pub mod matmul;
pub mod reduce;
pub mod scan;
pub mod simd;
pub mod sort;
pub mod special;
pub mod strided;
pub mod threefry;
mod uninit;
pub mod vecmath;
pub mod vecmath_pow;
pub mod vecmath_trig;

/// Below this many elements an elementwise loop runs on the calling thread: splitting across
/// rayon workers costs a few microseconds, more than the loop itself.
pub const PARALLEL_THRESHOLD: usize = 1 << 16;
