//! Transformer benchmarks, float32, random tokens from a fixed key, on the workloads of
//! `benches/gpt_jax.py` (JAX + Equinox + optax, the same model and shapes): the character-level
//! GPT of `examples/gpt.rs` with 2 pre-LayerNorm blocks of width 128, 4 heads, a GELU MLP of
//! width 512 and a vocabulary of 65.
//!
//! - `gpt-train`: one training step on a batch of 16 windows of 64 tokens: the mean
//!   next-token cross-entropy's value and gradient (`filter_value_and_grad`), `optim::adamw`
//!   (learning rate 1e-3, weight decay 0.1 on the matrices only), `apply_updates`, all in one
//!   `filter_jit`, the optimiser's state an argument of the step;
//! - `gpt-decode`: one decoding step at batch 1: the next-token logits after one more token
//!   through a `nn::KVCache` of capacity 64 per block (`MultiheadAttention::forward_cached`),
//!   `filter_jit`'d, the caches threaded from step to step and started afresh when full (so
//!   every step attends over 1 to 64 cached positions, as the JAX side does).
//!
//! For each it reports the first call of a fresh `filter_jit` (trace + compile + one run) and
//! the per-call time of later calls as min and median over batches of calls. Run with
//! `cargo bench -p equinox --bench gpt` (or `benches/run_gpt.sh`, which also runs the JAX side
//! and prints ratios); a name after `--` (`cargo bench -p equinox --bench gpt -- decode`) runs
//! only the workloads whose names contain it, e.g. to profile one. Prints one JSON line per
//! workload:
//! `{"kind":"train","impl":"equinox-rs","workload":...,"first_call_s":...,"min_s":...,"median_s":...,"reps":...,"final_loss":...,"first_loss":...}`
//! (for `gpt-decode` the losses are the sum of the last logits, a check that they are finite).

mod timing;

use equinox as eqx;
use eqx::optim::{self, GradientTransformation};
use eqx::{lax, nn, random, vmap, Array, DType, Module};
use std::hint::black_box;
use std::time::{Duration, Instant};
use timing::time_it;

const VOCAB: usize = 65;
const WIDTH: usize = 128;
const HEADS: usize = 4;
const LAYERS: usize = 2;
const CONTEXT: usize = 64;
const BATCH: usize = 16;

/// Prints a workload's JSON line.
fn emit(
    name: &str,
    first: f64,
    (min, median, reps): (f64, f64, usize),
    first_loss: f32,
    loss: f32,
) {
    println!(
        "{{\"kind\":\"train\",\"impl\":\"equinox-rs\",\"workload\":\"{name}\",\"first_call_s\":{first:e},\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps},\"final_loss\":{loss},\"first_loss\":{first_loss}}}"
    );
}

/// A pre-LayerNorm block: `x + attn(ln1(x))`, then `x + proj(gelu(fc(ln2(x))))`.
#[derive(Module, Clone)]
struct Block {
    ln1: nn::LayerNorm,
    attn: nn::MultiheadAttention,
    ln2: nn::LayerNorm,
    fc: nn::Linear,
    proj: nn::Linear,
}

impl Block {
    fn new(key: random::Key) -> Block {
        let [akey, fkey, pkey] = random::split_into(key);
        let options = nn::MultiheadAttentionOptions {
            use_output_bias: true,
            ..Default::default()
        };
        Block {
            ln1: nn::LayerNorm::new([WIDTH]),
            attn: nn::MultiheadAttention::with_options(HEADS, WIDTH, options, akey),
            ln2: nn::LayerNorm::new([WIDTH]),
            fc: nn::Linear::new(WIDTH, 4 * WIDTH, fkey),
            proj: nn::Linear::new(4 * WIDTH, WIDTH, pkey),
        }
    }

    /// The residual MLP half of the block, over `(t, width)`.
    fn mlp(&self, x: &Array) -> Array {
        let h = vmap(|r: &Array| self.ln2.forward(r))(x);
        x + &vmap(|r: &Array| self.proj.forward(&nn::gelu(&self.fc.forward(r))))(&h)
    }

    fn forward(&self, x: &Array) -> Array {
        let h = vmap(|r: &Array| self.ln1.forward(r))(x);
        let call = nn::MultiheadAttentionCall {
            is_causal: true,
            ..Default::default()
        };
        self.mlp(&(x + &self.attn.forward_with(&h, &h, &h, call)))
    }

    fn forward_cached(&self, x: &Array, cache: &nn::KVCache) -> (Array, nn::KVCache) {
        let h = vmap(|r: &Array| self.ln1.forward(r))(x);
        let (a, cache) = self.attn.forward_cached(&h, &h, &h, cache);
        (self.mlp(&(x + &a)), cache)
    }
}

/// Token and position embeddings, the blocks, a final LayerNorm and a linear head.
#[derive(Module, Clone)]
struct Gpt {
    tokens: nn::Embedding,
    positions: nn::Embedding,
    blocks: Vec<Block>,
    ln_f: nn::LayerNorm,
    head: nn::Linear,
}

impl Gpt {
    fn new(key: random::Key) -> Gpt {
        let [tkey, pkey, hkey, bkey] = random::split_into(key);
        let table = |key, rows| {
            nn::Embedding::from_weight(random::normal(key, [rows, WIDTH], DType::F32) * 0.02)
        };
        Gpt {
            tokens: table(tkey, VOCAB),
            positions: table(pkey, CONTEXT),
            blocks: random::split_vec(bkey, LAYERS)
                .into_iter()
                .map(Block::new)
                .collect(),
            ln_f: nn::LayerNorm::new([WIDTH]),
            head: nn::Linear::new(WIDTH, VOCAB, hkey),
        }
    }

    fn logits(&self, x: &Array) -> Array {
        vmap(|r: &Array| self.head.forward(&self.ln_f.forward(r)))(x)
    }

    fn forward(&self, tokens: &Array) -> Array {
        let len = tokens.shape()[0];
        let mut x = vmap(|i: &Array| self.tokens.forward(i))(tokens)
            + lax::slice_in_dim(&self.positions.weight, 0, len, 1, 0);
        for block in &self.blocks {
            x = block.forward(&x);
        }
        self.logits(&x)
    }

    fn decode(&self, token: &Array, caches: &[nn::KVCache]) -> (Array, Vec<nn::KVCache>) {
        let pos = lax::dynamic_slice_in_dim(&self.positions.weight, &caches[0].position, 1, 0);
        let mut x = vmap(|i: &Array| self.tokens.forward(i))(token) + pos;
        let mut new_caches = Vec::with_capacity(caches.len());
        for (block, cache) in self.blocks.iter().zip(caches) {
            let (y, c) = block.forward_cached(&x, cache);
            x = y;
            new_caches.push(c);
        }
        (self.logits(&x).squeeze(0), new_caches)
    }
}

fn loss(model: &Gpt, x: &Array, y: &Array) -> Array {
    let logits = vmap(|t: &Array| model.forward(t))(x);
    let picked = nn::log_softmax(&logits, -1).take_along_axis(&y.expand_dims(-1), -1);
    -picked.mean(None)
}

/// The state optimiser `O` keeps for the model.
type StateOf<O> = <O as GradientTransformation>::State<Gpt>;

/// The compiled step: loss and gradients, the optimiser's update, `apply_updates`.
fn training_step<O: GradientTransformation + 'static>(
    opt: O,
) -> impl Fn(&Gpt, &StateOf<O>, &Array, &Array) -> (Gpt, StateOf<O>, Array) {
    eqx::filter_jit(
        move |model: &Gpt, state: &StateOf<O>, x: &Array, y: &Array| {
            let (l, grads) = eqx::filter_value_and_grad(loss)(model, x, y);
            let (updates, state) = opt.update(&grads, state, Some(model));
            (eqx::apply_updates(model, &updates), state, l)
        },
    )
}

fn bench_train(model_key: random::Key, data_key: random::Key) {
    let model = Gpt::new(model_key);
    let tokens = random::randint(data_key, [BATCH, CONTEXT + 1], 0, VOCAB as i64, DType::I32);
    let x = lax::slice_in_dim(&tokens, 0, CONTEXT, 1, 1);
    let y = lax::slice_in_dim(&tokens, 1, CONTEXT + 1, 1, 1);
    let opt = optim::adamw_with_options(
        1e-3f64,
        optim::AdamWOptions {
            weight_decay: 0.1,
            mask: Some(optim::Mask::new(|_path, x: &Array| x.ndim() > 1)),
            ..Default::default()
        },
    );
    let opt_state = opt.init(&eqx::filter(&model, eqx::is_inexact_array));
    let step = training_step(opt);
    let t0 = Instant::now();
    let (mut model, mut opt_state, mut l) = step(&model, &opt_state, &x, &y);
    let first = t0.elapsed().as_secs_f64();
    let first_loss = l.item::<f32>();
    let timing = time_it(3, Duration::from_secs(3), || {
        let (m, s, loss) = step(black_box(&model), &opt_state, &x, &y);
        (model, opt_state, l) = (m, s, loss);
    });
    emit("gpt-train", first, timing, first_loss, l.item::<f32>());
}

fn bench_decode(model_key: random::Key, data_key: random::Key) {
    let model = Gpt::new(model_key);
    let tokens = random::randint(data_key, [CONTEXT], 0, VOCAB as i64, DType::I32).to_vec::<i32>();
    let fresh: Vec<nn::KVCache> = model
        .blocks
        .iter()
        .map(|b| nn::KVCache::new(&b.attn, CONTEXT))
        .collect();
    let decode = eqx::filter_jit(|model: &Gpt, token: &Array, caches: &Vec<nn::KVCache>| {
        model.decode(token, caches)
    });
    let token = |i: usize| Array::from_vec(vec![tokens[i % CONTEXT]], [1]);
    let t0 = Instant::now();
    let (mut logits, mut caches) = decode(&model, &token(0), &fresh);
    let first = t0.elapsed().as_secs_f64();
    let first_sum = logits.sum(None).item::<f32>();
    let mut i = 1;
    let timing = time_it(16, Duration::from_secs(3), || {
        if i % CONTEXT == 0 {
            caches = fresh.clone();
        }
        let (l, c) = decode(black_box(&model), &token(i), &caches);
        (logits, caches) = (l, c);
        i += 1;
    });
    emit(
        "gpt-decode",
        first,
        timing,
        first_sum,
        logits.sum(None).item::<f32>(),
    );
}

fn main() {
    // Cargo passes `--bench`; the first other argument, if any, picks workloads by name.
    let only = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let wanted = |name: &str| only.as_deref().is_none_or(|o| name.contains(o));
    let [model_key, data_key] = random::split_into(random::key(0));
    if wanted("gpt-train") {
        bench_train(model_key.clone(), data_key.clone());
    }
    if wanted("gpt-decode") {
        bench_decode(model_key, data_key);
    }
}
