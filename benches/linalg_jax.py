"""The workloads of benches/linalg.rs in JAX (jax.jit on CPU): cholesky, solve, qr, svd, eigh at
n = 256 and 1024 in float32 and float64, and a batched 64 x (64 x 64) solve. Prints one JSON
line per (op, n, dtype) with the best and median milliseconds per call."""

import argparse
import json
import time

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402


def spd(batch, n, dtype):
    m = np.random.default_rng(0).random((*batch, n, n)) - 0.5
    a = m @ np.swapaxes(m, -1, -2) / n + np.eye(n)
    return jnp.asarray(a.astype(dtype))


def timeit(f, *args):
    jax.block_until_ready(f(*args))
    jax.block_until_ready(f(*args))
    ts = []
    start = time.perf_counter()
    while len(ts) < 7 or time.perf_counter() - start < 1.0:
        t0 = time.perf_counter()
        jax.block_until_ready(f(*args))
        ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    return ts[0], ts[len(ts) // 2]


OPS = {
    "cholesky": lambda a, b: jnp.linalg.cholesky(a),
    "solve": lambda a, b: jnp.linalg.solve(a, b),
    "qr": lambda a, b: jnp.linalg.qr(a),
    "svd": lambda a, b: jnp.linalg.svd(a),
    "eigh": lambda a, b: jnp.linalg.eigh(a),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ops", default="cholesky,solve,qr,svd,eigh,batched_solve")
    p.add_argument("--sizes", default="256,1024")
    args = p.parse_args()
    ops = args.ops.split(",")
    for dtype in (np.float32, np.float64):
        for n in map(int, args.sizes.split(",")):
            a, b = spd((), n, dtype), jnp.ones((n,), dtype)
            for op in ops:
                if op not in OPS:
                    continue
                best, med = timeit(jax.jit(OPS[op]), a, b)
                print(json.dumps({"impl": "jax", "op": op, "n": n, "dtype": np.dtype(dtype).name,
                                  "best_ms": round(best, 3), "median_ms": round(med, 3)}))
        if "batched_solve" in ops:
            a, b = spd((64,), 64, dtype), jnp.ones((64, 64, 1), dtype)
            best, med = timeit(jax.jit(jnp.linalg.solve), a, b)
            print(json.dumps({"impl": "jax", "op": "batched_solve", "n": 64,
                              "dtype": np.dtype(dtype).name, "best_ms": round(best, 3),
                              "median_ms": round(med, 3)}))


if __name__ == "__main__":
    main()
