"""JAX + Equinox + optax counterparts of benches/gpt.rs: a character-level GPT's training step and
its per-token decoding with a KV cache, float32, random tokens.

usage: .venv/bin/python benches/gpt_jax.py [--min-time S]
(benches/run_gpt.sh runs it after the Rust bench and prints ratios.)

The model, as in the Rust bench (and examples/gpt.rs): token and position embeddings (65 x 128,
64 x 128), 2 pre-LayerNorm blocks of eqx.nn.MultiheadAttention (4 heads, output bias) and a GELU
MLP (128 -> 512 -> 128), a final LayerNorm and a linear head to 65 logits.

Workloads:
  gpt-train   batch 16 of 64 tokens: the mean next-token cross-entropy through
              eqx.filter_value_and_grad, optax.adamw(1e-3, weight_decay=0.1, mask=matrices
              only).update and eqx.apply_updates in one eqx.filter_jit, the optimiser's state an
              argument of the step
  gpt-decode  batch 1: the next-token logits after one more token through a KV cache of
              capacity 64 per block (Equinox has none: the layer's projections, the new row
              written with lax.dynamic_update_slice at the cache's int32 position, attention
              over the cache masked to positions <= the new one), eqx.filter_jit'd, the caches
              threaded from step to step and started afresh when full
first_call_s is the wall time of the first call (trace + lower + XLA compile + one run), after the
backend has been started by a trivial jit. Each timed call blocks on its outputs (latency), in
batches of calls as in the Rust bench; min and median per call. Prints one JSON line per
workload.
"""
import argparse
import json
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from timing_jax import time_it

p = argparse.ArgumentParser()
p.add_argument("--min-time", type=float, default=3.0)
args = p.parse_args()

perf = time.perf_counter
VOCAB, WIDTH, HEADS, LAYERS, CONTEXT, BATCH = 65, 128, 4, 2, 64, 16
HEAD = WIDTH // HEADS

jax.jit(lambda x: x + 1)(jnp.ones(3)).block_until_ready()  # backend start-up, not timed


def emit(name, first, timing, first_loss, loss):
    mn, med, reps = timing
    print(json.dumps({"kind": "train", "impl": "jax+equinox", "workload": name,
                      "first_call_s": first, "min_s": mn, "median_s": med, "reps": reps,
                      "final_loss": float(loss), "first_loss": float(first_loss)}), flush=True)


class Block(eqx.Module):
    ln1: eqx.nn.LayerNorm
    attn: eqx.nn.MultiheadAttention
    ln2: eqx.nn.LayerNorm
    fc: eqx.nn.Linear
    proj: eqx.nn.Linear

    def __init__(self, key):
        akey, fkey, pkey = jax.random.split(key, 3)
        self.ln1 = eqx.nn.LayerNorm(WIDTH)
        self.attn = eqx.nn.MultiheadAttention(HEADS, WIDTH, use_output_bias=True, key=akey)
        self.ln2 = eqx.nn.LayerNorm(WIDTH)
        self.fc = eqx.nn.Linear(WIDTH, 4 * WIDTH, key=fkey)
        self.proj = eqx.nn.Linear(4 * WIDTH, WIDTH, key=pkey)

    def mlp(self, x):
        h = jax.vmap(self.ln2)(x)
        return x + jax.vmap(lambda r: self.proj(jax.nn.gelu(self.fc(r))))(h)

    def __call__(self, x):
        h = jax.vmap(self.ln1)(x)
        mask = jnp.tril(jnp.ones((x.shape[0], x.shape[0]), bool))
        return self.mlp(x + self.attn(h, h, h, mask=mask))

    def cached(self, x, cache):
        """x: (1, WIDTH); cache: (keys, values, position)."""
        keys, values, pos = cache
        h = jax.vmap(self.ln1)(x)
        a = self.attn
        q = jax.vmap(a.query_proj)(h).reshape(1, HEADS, HEAD)
        k = jax.vmap(a.key_proj)(h).reshape(1, HEADS, HEAD)
        v = jax.vmap(a.value_proj)(h).reshape(1, HEADS, HEAD)
        keys = jax.lax.dynamic_update_slice(keys, k, (pos, 0, 0))
        values = jax.lax.dynamic_update_slice(values, v, (pos, 0, 0))
        mask = (jnp.arange(CONTEXT) <= pos)[None, :]
        logits = jnp.einsum("thd,shd->hts", q / jnp.sqrt(HEAD), keys)
        logits = jnp.where(mask, logits, jnp.finfo(logits.dtype).min)
        w = jax.nn.softmax(logits, axis=-1)
        o = jnp.einsum("hts,shd->thd", w, values).reshape(1, WIDTH)
        out = jax.vmap(a.output_proj)(o)
        return self.mlp(x + out), (keys, values, pos + 1)


class Gpt(eqx.Module):
    tokens: eqx.nn.Embedding
    positions: eqx.nn.Embedding
    blocks: list
    ln_f: eqx.nn.LayerNorm
    head: eqx.nn.Linear

    def __init__(self, key):
        tkey, pkey, hkey, bkey = jax.random.split(key, 4)
        self.tokens = eqx.nn.Embedding(weight=0.02 * jax.random.normal(tkey, (VOCAB, WIDTH)))
        self.positions = eqx.nn.Embedding(weight=0.02 * jax.random.normal(pkey, (CONTEXT, WIDTH)))
        self.blocks = [Block(k) for k in jax.random.split(bkey, LAYERS)]
        self.ln_f = eqx.nn.LayerNorm(WIDTH)
        self.head = eqx.nn.Linear(WIDTH, VOCAB, key=hkey)

    def logits(self, x):
        return jax.vmap(lambda r: self.head(self.ln_f(r)))(x)

    def __call__(self, tokens):
        x = jax.vmap(self.tokens)(tokens) + self.positions.weight[: tokens.shape[0]]
        for b in self.blocks:
            x = b(x)
        return self.logits(x)

    def decode(self, token, caches):
        pos = jax.lax.dynamic_slice_in_dim(self.positions.weight, caches[0][2], 1, 0)
        x = jax.vmap(self.tokens)(token) + pos
        new = []
        for b, c in zip(self.blocks, caches):
            x, c = b.cached(x, c)
            new.append(c)
        return self.logits(x)[0], new


def loss(model, x, y):
    logp = jax.nn.log_softmax(jax.vmap(model)(x), axis=-1)
    return -jnp.take_along_axis(logp, y[..., None], axis=-1).mean()


def bench_train(model_key, data_key):
    model = Gpt(model_key)
    tokens = jax.random.randint(data_key, (BATCH, CONTEXT + 1), 0, VOCAB)
    x, y = tokens[:, :-1], tokens[:, 1:]
    params = eqx.filter(model, eqx.is_inexact_array)
    opt = optax.adamw(1e-3, weight_decay=0.1,
                      mask=jax.tree_util.tree_map(lambda a: a.ndim > 1, params))
    state = opt.init(params)

    @eqx.filter_jit
    def step(model, state, x, y):
        l, grads = eqx.filter_value_and_grad(loss)(model, x, y)
        updates, state = opt.update(grads, state, eqx.filter(model, eqx.is_inexact_array))
        return eqx.apply_updates(model, updates), state, l

    t0 = perf()
    model, state, l = step(model, state, x, y)
    jax.block_until_ready(l)
    first = perf() - t0
    first_loss = float(l)
    box = [model, state, l]

    def run():
        box[0], box[1], box[2] = step(box[0], box[1], x, y)
        jax.block_until_ready(box)

    emit("gpt-train", first, time_it(run, 3, args.min_time), first_loss, box[2])


def bench_decode(model_key, data_key):
    model = Gpt(model_key)
    tokens = jax.random.randint(data_key, (CONTEXT,), 0, VOCAB)
    token_arrays = [tokens[i : i + 1] for i in range(CONTEXT)]
    zeros = jnp.zeros((CONTEXT, HEADS, HEAD))
    fresh = [(zeros, zeros, jnp.int32(0)) for _ in range(LAYERS)]
    decode = eqx.filter_jit(Gpt.decode)
    t0 = perf()
    logits, caches = decode(model, token_arrays[0], fresh)
    jax.block_until_ready(logits)
    first = perf() - t0
    first_sum = float(logits.sum())
    box = [logits, caches, 1]

    def run():
        i = box[2]
        caches = fresh if i % CONTEXT == 0 else box[1]
        box[0], box[1] = decode(model, token_arrays[i % CONTEXT], caches)
        jax.block_until_ready(box[0])
        box[2] = i + 1

    emit("gpt-decode", first, time_it(run, 16, args.min_time), first_sum, box[0].sum())


model_key, data_key = jax.random.split(jax.random.PRNGKey(0))
bench_train(model_key, data_key)
bench_decode(model_key, data_key)
