use equinox::{Array, Module};

#[derive(Clone, Debug)]
struct Config {
    rate: f32,
}

#[derive(Module)]
struct Model {
    weight: Array,
    #[module(static)]
    config: Config,
}

fn main() {}
