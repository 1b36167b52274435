"""The workloads of benches/fft.rs in JAX (jax.jit on CPU): jnp.fft.fft of complex input and
jnp.fft.rfft of real input, 2^20 points and 1024 transforms of 1024 points, single and double
precision. Prints one JSON line per (op, shape, dtype) with the best and median milliseconds."""

import json
import time

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402


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


def main():
    for real, complex_ in [(np.float32, np.complex64), (np.float64, np.complex128)]:
        for shape, label in [((1 << 20,), "2^20"), ((1024, 1024), "1024x1024")]:
            k = np.arange(np.prod(shape), dtype=np.float64)
            x = (np.sin(0.37 * k) + np.cos(0.011 * k * k)).reshape(shape).astype(real)
            z = (x + 1j * np.cos(x)).astype(complex_)
            x, z = jnp.asarray(x), jnp.asarray(z)
            for op, arg, dt in [("fft", z, complex_), ("rfft", x, real)]:
                best, med = timeit(jax.jit(getattr(jnp.fft, op)), arg)
                print(json.dumps({"impl": "jax", "op": op, "shape": label,
                                  "dtype": np.dtype(dt).name, "best_ms": round(best, 3),
                                  "median_ms": round(med, 3)}))


if __name__ == "__main__":
    main()
