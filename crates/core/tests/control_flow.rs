mod common;

use equinox_core::transforms::*;
use equinox_core::{lax, numpy as jnp, Array};

#[test]
fn explore() {
    let xs = Array::from_vec(vec![1.0f64, 2.0, 3.0], [3]);
    // scalar f: scan over xs of a closed-over a
    let f = |a: &Array| {
        let (c, _) = lax::scan(|c: &Array, x: &Array| (c * a + x * c, ()), &Array::scalar(1.0f64), &xs, None, true, 1);
        c
    };
    let a = Array::scalar(0.7f64);
    println!("f {} g {} gg {}", f(&a), grad(f)(&a), grad(grad(f))(&a));
    // cond grad of grad
    let g = |x: &Array| lax::cond(&Array::scalar(1i32), |x: &Array| x * x * x, |x: &Array| x + 1.0, x);
    println!("cond g {} gg {}", grad(g)(&a), grad(grad(g))(&a));
    // fori grad of grad
    let h = |x: &Array| lax::fori_loop(0, 3, |_i: &Array, c: &Array| c * x, &Array::scalar(1.0f64));
    println!("fori {} {} {}", h(&a), grad(h)(&a), grad(grad(h))(&a));
    // vmap of grad
    println!("vmap grad {}", vmap(grad(h))(&xs));
    println!("jit grad {}", jit(grad(h)).call(&a));
    println!("{}", make_jaxpr(grad(h))(&a));
    // vmap cond with unbatched pred
    println!("vmap cond {}", vmap(g)(&xs));
    // vmap scan
    println!("vmap f {}", vmap(f)(&xs));
    // while vmap with batched trip count
    let w = |n: &Array| lax::while_loop(|(i, _): &(Array, Array)| jnp::less(i, n), |(i, x): &(Array, Array)| (i + 1, x * 2.0), &(Array::scalar(0i32), Array::scalar(1.0f64))).1;
    let ns = Array::from_vec(vec![1i32, 3, 0], [3]);
    println!("while vmap {}", vmap(w)(&ns));
    println!("{}", make_jaxpr(vmap(w))(&ns));
}
