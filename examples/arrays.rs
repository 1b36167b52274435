//! A tour of arrays: creation, JAX-style promotion, broadcasting, reductions and printing.
//!
//! Run with `cargo run --release --example arrays`.

use equinox as eqx;
use eqx::numpy as jnp;
use eqx::{Array, DType};

fn main() {
    // Arrays are immutable, cheap to clone, and print like numpy.
    let x = jnp::arange(6.0).reshape([2, 3]);
    println!("x =\n{x}\n");

    // Rust scalars are weakly typed, like Python scalars in JAX: the array's dtype wins.
    let y = (&x * 2.0 + 1.0).astype(DType::BF16);
    println!("y = (x * 2 + 1) as bf16 = {y:?}");
    println!("y * 0.5 stays {}\n", (&y * 0.5).dtype());

    // numpy broadcasting: (2, 3) - (3,)
    let col_means = x.mean(0);
    let centred = &x - &col_means;
    println!("column means = {col_means}");
    println!("centred =\n{centred}\n");

    // Reductions, elementwise math and comparisons.
    println!("sum over rows    = {}", x.sum(1));
    println!("max over columns = {}", x.max(0));
    println!("argmax of each row = {}", x.argmax(1));
    println!("std of x = {}", x.std(None));
    let mask = jnp::greater(&x, &Array::scalar(2.5f32));
    println!("x > 2.5 =\n{mask}");
    println!(
        "where(x > 2.5, x, 0) =\n{}\n",
        jnp::where_(&mask, &x, &jnp::zeros_like(&x))
    );

    // Transcendental functions and integer arithmetic with XLA semantics.
    println!("exp(-x) =\n{}", (-&x).exp());
    let ints = jnp::arange_step(-3, 3, 1);
    let halves = jnp::floor_divide(&ints, &Array::scalar(2));
    println!("{ints} // 2 = {halves} (rounds toward -inf, as numpy)");

    // Random numbers are bit-exact with jax.random for the same key.
    let key = eqx::random::key(0);
    let [k1, k2] = eqx::random::split_into(key);
    let w = eqx::random::normal(k1, [2, 3], DType::F32);
    println!("normal(split(key(0))[0], (2, 3)) =\n{w}");
    let logits = eqx::random::uniform(k2, [2, 3], DType::F32, -2.0, 2.0);
    println!(
        "softmax of uniform logits =\n{}",
        eqx::nn::softmax(&logits, -1)
    );

    // Matrix products go through the `gemm` crate on all cores.
    let m = w.matmul(&logits.t());
    println!("w @ logits.T =\n{m}\n");

    // Large arrays are elided when printed.
    let big = jnp::arange(2000.0).reshape([40, 50]);
    println!("\na (40, 50) array, elided:\n{big}");
}
