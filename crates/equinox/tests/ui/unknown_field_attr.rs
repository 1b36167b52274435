use equinox::{Array, Module};

#[derive(Module)]
struct Model {
    #[module(frozen)]
    weight: Array,
}

fn main() {}
