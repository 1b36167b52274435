fn main() {
    use equinox::numpy as jnp;
    let x = jnp::arange(6.0).reshape([2, 3]);
    println!("{}", &x * 2.0);
}
