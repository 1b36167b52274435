"""Goldens for `jax.numpy.fft` and `jax.lax.fft` (JAX 0.10.2): values, JVPs and VJPs of every
transform with its `n`/`s`, `axis`/`axes` and `norm` variants, in single and double
precision, real and complex input; and the messages of refused calls. Checked by
`crates/core/tests/suite/fft.rs`.
Run: .venv/bin/python parity/fft.py   (writes parity/goldens/fft.json)

Encoding: an array is `{"shape", "dtype", "data"}`; complex arrays list `data` as interleaved
`[re0, im0, re1, im1, ...]`.

Sections:
- "cases": `{"fn", "x", "options", "out", "jvp", "vjp"}`. `options` holds the keyword
  arguments (`n`, `axis`, `s`, `axes`, `norm`) given. `jvp` is the tangent of the output along
  the direction whose element k has real part `((k * 5) % 11 - 5) / 5` and (complex input)
  imaginary part `((k * 3) % 7 - 3) / 3`; `vjp` the VJP of the cotangent whose element k has
  real part `((k * 7) % 13 - 6.5) / 4` and (complex output) imaginary part `((k * 2) % 5 - 2)
  / 2`.
- "errors": `{"call", "message"}`: JAX's message for a refused call (the Rust test names the
  same call).
"""

import json
import os

import numpy as np

import jax

jax.config.update("jax_platforms", "cpu")
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "goldens", "fft.json")


def enc(a):
    a = np.asarray(a)
    if np.iscomplexobj(a):
        data = np.stack([a.real, a.imag], axis=-1).reshape(-1)
    else:
        data = a.reshape(-1)
    return {"shape": list(a.shape), "dtype": a.dtype.name, "data": [float(v) for v in data]}


def pattern(shape, dtype, re, im):
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    out = re(k)
    if np.issubdtype(dtype, np.complexfloating):
        out = out + 1j * im(k)
    return out.reshape(shape).astype(dtype)


def direction(shape, dtype):
    return pattern(shape, dtype, lambda k: ((k * 5) % 11 - 5) / 5, lambda k: ((k * 3) % 7 - 3) / 3)


def cotangent(shape, dtype):
    return pattern(shape, dtype, lambda k: ((k * 7) % 13 - 6.5) / 4, lambda k: ((k * 2) % 5 - 2) / 2)


def case(name, x, **options):
    f = lambda x: getattr(jnp.fft, name)(x, **options)  # noqa: E731
    out = f(x)
    _, t = jax.jvp(f, (x,), (direction(x.shape, x.dtype),))
    _, pullback = jax.vjp(f, x)
    (v,) = pullback(cotangent(out.shape, out.dtype))
    return {"fn": name, "x": enc(x), "options": options, "out": enc(out), "jvp": enc(t),
            "vjp": enc(v)}


def cases():
    rng = np.random.default_rng(20261203)
    out = []
    for real, cplx in [(np.float32, np.complex64), (np.float64, np.complex128)]:
        def r(*shape):
            return jnp.asarray(rng.standard_normal(shape).astype(real))

        def c(*shape):
            z = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
            return jnp.asarray(z.astype(cplx))

        for name in ["fft", "ifft"]:
            out.append(case(name, c(8)))
            out.append(case(name, c(3, 5), axis=0))
            out.append(case(name, c(3, 5), n=4))
            out.append(case(name, c(2, 5), n=7, axis=-1, norm="ortho"))
            out.append(case(name, c(6), norm="forward"))
            out.append(case(name, r(5)))
        out.append(case("rfft", r(8)))
        out.append(case("rfft", r(7)))
        out.append(case("rfft", r(3, 7), axis=0))
        out.append(case("rfft", r(2, 6), n=5, norm="ortho"))
        out.append(case("rfft", r(2, 6), n=9, norm="forward"))
        out.append(case("irfft", c(5)))
        out.append(case("irfft", c(5), n=7))
        out.append(case("irfft", c(4, 3), axis=0))
        out.append(case("irfft", c(2, 4), n=8, norm="ortho"))
        out.append(case("irfft", c(2, 4), n=5, norm="forward"))
        out.append(case("hfft", c(5)))
        out.append(case("hfft", c(3, 4), n=7, axis=0, norm="ortho"))
        out.append(case("ihfft", r(8)))
        out.append(case("ihfft", r(3, 7), n=5, norm="forward"))
        for name in ["fft2", "ifft2"]:
            out.append(case(name, c(3, 4, 5)))
            out.append(case(name, c(3, 4, 5), axes=(0, 2)))
            out.append(case(name, c(3, 4), s=(4, 6), norm="ortho"))
        out.append(case("rfft2", r(4, 6)))
        out.append(case("rfft2", r(3, 4, 5), axes=(2, 0), norm="forward"))
        out.append(case("irfft2", c(4, 4)))
        out.append(case("irfft2", c(3, 4), s=(3, 7), norm="ortho"))
        for name in ["fftn", "ifftn"]:
            out.append(case(name, c(2, 3, 4)))
            out.append(case(name, c(2, 3, 4), axes=(0, 2)))
            out.append(case(name, c(2, 3, 4), s=(3, 5), norm="ortho"))
            out.append(case(name, c(2, 2, 3, 2)))
        out.append(case("rfftn", r(2, 3, 4)))
        out.append(case("rfftn", r(2, 3, 4), s=(3, 5), axes=(0, 1)))
        out.append(case("rfftn", r(2, 2, 3, 4), norm="ortho"))
        out.append(case("irfftn", c(2, 3, 3)))
        out.append(case("irfftn", c(2, 3, 3), s=(3, 4)))
        out.append(case("irfftn", c(2, 2, 3, 3), norm="forward"))
    return out


def message(thunk):
    try:
        thunk()
    except Exception as e:  # noqa: BLE001
        return str(e)
    raise AssertionError("expected an error")


def errors():
    z = jnp.ones((4,), jnp.complex64)
    x = jnp.ones((2, 4), jnp.float32)
    return [
        {"call": "rfft_complex", "message": message(lambda: jnp.fft.rfft(z))},
        {"call": "fftn_repeated_axes",
         "message": message(lambda: jnp.fft.fftn(x, axes=(1, 1)))},
        {"call": "fftn_s_axes_lengths",
         "message": message(lambda: jnp.fft.fftn(x, s=(2, 4), axes=(0,)))},
        {"call": "fft2_three_axes",
         "message": message(lambda: jnp.fft.fft2(jnp.ones((2, 2, 2)), axes=(0, 1, 2)))},
        {"call": "lax_fft_rank",
         "message": message(lambda: jax.lax.fft(z, "FFT", (4, 4)))},
        {"call": "lax_fft_lengths",
         "message": message(lambda: jax.lax.fft(z, "FFT", (3,)))},
        {"call": "lax_rfft_lengths",
         "message": message(lambda: jax.lax.fft(x, "RFFT", (3,)))},
    ]


def main():
    golden = {"cases": cases(), "errors": errors()}
    with open(OUT, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    print(f"wrote {OUT}: {len(golden['cases'])} cases, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
