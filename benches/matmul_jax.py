"""f32 matmul throughput of jnp.dot under jax.jit; JSON lines like benches/matmul.rs.

Usage: python benches/matmul_jax.py --threads T. XLA sizes its thread pool from the CPU
affinity mask, so 1 thread means running under `taskset -c 0` (see benches/run_matmul.sh).
"""
import argparse, json, time
import numpy as np
import jax, jax.numpy as jnp

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--sizes", default="256,512,1024,2048")
args = p.parse_args()
f = jax.jit(jnp.dot)
for n in map(int, args.sizes.split(",")):
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.random((n, n), dtype=np.float32) - 0.5)
    b = jnp.asarray(rng.random((n, n), dtype=np.float32) - 0.5)
    for _ in range(3):
        f(a, b).block_until_ready()
    times, start = [], time.perf_counter()
    while len(times) < 10 or time.perf_counter() - start < 1.5:
        t = time.perf_counter()
        f(a, b).block_until_ready()
        times.append(time.perf_counter() - t)
    times.sort()
    flop = 2.0 * n**3
    print(json.dumps({"impl": "jax", "n": n, "threads": args.threads, "reps": len(times),
                      "gflops_best": round(flop / times[0] / 1e9, 1),
                      "gflops_median": round(flop / times[len(times) // 2] / 1e9, 1)}), flush=True)
