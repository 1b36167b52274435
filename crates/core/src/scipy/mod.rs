//! `jax.scipy`: the parts of SciPy's API that JAX provides.

pub mod linalg;
