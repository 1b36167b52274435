use equinox::{Array, Module};

struct Optimizer {
    lr: f32,
}

#[derive(Module)]
struct Model {
    weight: Array,
    opt: Optimizer,
}

fn main() {}
