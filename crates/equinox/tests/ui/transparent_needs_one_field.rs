use equinox::{Array, Module};

#[derive(Module)]
#[module(transparent)]
enum Layer {
    Dense(Array),
    Pair(Array, Array),
}

fn main() {}
