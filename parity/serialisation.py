"""Serialisation goldens: `.eqx` files written by real Equinox, and their leaves as JSON.

usage: .venv/bin/python parity/serialisation.py
  (writes parity/goldens/serialisation.json, serialisation_simple.eqx, serialisation_mlp.eqx)

Two trees are saved with `eqx.tree_serialise_leaves`:
- `simple`: a Module with one array leaf of every dtype the Rust port stores (numpy arrays for
  the 64-bit ones, since JAX's default mode has none), scalar (0-d) and size-0 shapes, plus
  Python scalar fields (written by Equinox as 0-d `<f8`/`<i8`/`|b1` records) and a static and
  a `str` field (not written);
- `mlp`: `eqx.nn.MLP(in_size=2, out_size=3, width_size=8, depth=2, key=PRNGKey(0))`.

A third file, `variants`, holds `.npy` records numpy writes but Equinox's own arrays never
produce (Fortran order, big-endian data, format versions 2.0 and 3.0), which `jnp.load` and
so `eqx.tree_deserialise_leaves` accept.

For each record the JSON stores its JAX key path, the path the Rust mirror struct prints
(`layers[0].weight`), numpy's descr, dtype, shape and row-major values (floats as JSON numbers:
every f16/bf16/f32 value widens to f64 exactly; no non-finite values are used) and its byte
offset in the file, so the Rust tests can check both the values and the bytes.
"""
import io
import json
import os
import warnings

warnings.simplefilter("ignore")
import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "goldens")


class Simple(eqx.Module):
    weight: jax.Array  # f32[2, 3]
    counts: jax.Array  # i32[3]
    flag: jax.Array  # bool[] (0-d)
    half: jax.Array  # f16[4]
    brain: jax.Array  # bf16[2, 2]
    small: jax.Array  # u8[3]
    key_data: jax.Array  # u32[2] (an old-style PRNGKey)
    wide: np.ndarray  # i64[2] (numpy: JAX's default mode has no int64)
    double: np.ndarray  # f64[] (numpy)
    empty: jax.Array  # f32[0, 3]
    scale: float  # a Python float: written as a 0-d '<f8' record
    steps: int  # a Python int: written as a 0-d '<i8' record
    training: bool  # a Python bool: written as a 0-d '|b1' record
    label: str  # not array-like: not written
    nothing: None  # None is an empty subtree: not written
    size: int = eqx.field(static=True)  # static: not a leaf, not written


def simple():
    return Simple(
        weight=jnp.array([[1.5, -2.25, 3.0], [0.1, -0.0, 1e-3]], dtype=jnp.float32),
        counts=jnp.array([7, -1, 2147483647], dtype=jnp.int32),
        flag=jnp.array(True),
        half=jnp.array([0.5, -1.0, 65504.0, 1e-3], dtype=jnp.float16),
        brain=jnp.array([[1.0, -0.1], [3.0e30, 2.0**-100]], dtype=jnp.bfloat16),
        small=jnp.array([0, 128, 255], dtype=jnp.uint8),
        key_data=jax.random.PRNGKey(42),
        wide=np.array([-(2**62), 2**40 + 3], dtype=np.int64),
        double=np.array(1 / 3, dtype=np.float64),
        empty=jnp.zeros((0, 3), dtype=jnp.float32),
        scale=0.125,
        steps=1000,
        training=False,
        label="relu",
        nothing=None,
        size=3,
    )


def mlp():
    return eqx.nn.MLP(in_size=2, out_size=3, width_size=8, depth=2, key=jax.random.PRNGKey(0))


def rust_path(path):
    """JAX key path -> the Rust KeyPath display (`layers[0].weight`, no leading dot)."""
    return jtu.keystr(path).lstrip(".")


def values(x):
    a = np.asarray(x)
    if a.dtype.kind == "f" or a.dtype == jnp.bfloat16:
        return [float(v) for v in a.astype(np.float64).reshape(-1)]
    if a.dtype == np.bool_:
        return [bool(v) for v in a.reshape(-1)]
    return [int(v) for v in a.reshape(-1)]


def records(tree, data):
    """The leaves Equinox writes, in order, with their offsets in `data`."""
    out = []
    offset = 0
    for path, leaf in jtu.tree_leaves_with_path(tree):
        if not eqx.is_array_like(leaf) or isinstance(leaf, str):
            continue
        buf = io.BytesIO()
        jnp.save(buf, leaf)
        record = buf.getvalue()
        assert data[offset : offset + len(record)] == record
        header_len = int.from_bytes(record[8:10], "little")
        header = record[10 : 10 + header_len].decode("latin1")
        descr = header.split("'descr': '")[1].split("'")[0]
        a = np.asarray(leaf)
        out.append(
            {
                "path": jtu.keystr(path),
                "rust_path": rust_path(path),
                "descr": descr,
                "dtype": str(jnp.asarray(a).dtype) if a.dtype != np.float64 and a.dtype != np.int64 else str(a.dtype),
                "shape": list(a.shape),
                "values": values(a),
                "offset": offset,
                "record_len": len(record),
            }
        )
        offset += len(record)
    assert offset == len(data), (offset, len(data))
    return out


def variants():
    """Arrays written with numpy's writer in the less common forms, and their records."""
    cases = [
        (np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3) * 0.5), None),
        (np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 7.0), None),
        (np.array([1.5, -2.0, 3.25], dtype=">f4"), None),
        (np.array([1, -2, 2**40], dtype=">i8"), None),
        (np.array([[1, 2], [3, 65535]], dtype=">u4"), None),
        (np.array([0.5, -0.125], dtype=">f2"), None),
        (np.array([-128, 0, 127], dtype="|i1"), None),
        (np.array([[1, -2], [32767, -32768]], dtype=">i2"), None),
        (np.array([65535, 1, 256], dtype="<u2"), None),
        (np.array([2**64 - 1, 2**63, 5], dtype=">u8"), None),
        (np.arange(3, dtype=np.int32), (2, 0)),
        (np.array([True, False, True]), (3, 0)),
    ]
    data = b""
    out = []
    for a, version in cases:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, a, version=version)
        record = buf.getvalue()
        out.append(
            {
                "descr": np.lib.format.dtype_to_descr(a.dtype),
                "fortran_order": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
                "version": list(version or (1, 0)),
                "dtype": str(a.dtype.newbyteorder("=")),
                "shape": list(a.shape),
                "values": values(a),
                "offset": len(data),
                "record_len": len(record),
            }
        )
        data += record
    return data, out


def main():
    golden = {}
    data, recs = variants()
    with open(os.path.join(OUT, "serialisation_variants.eqx"), "wb") as f:
        f.write(data)
    golden["variants"] = {"file": "serialisation_variants.eqx", "len": len(data), "records": recs}
    for name, tree in [("simple", simple()), ("mlp", mlp())]:
        filename = f"serialisation_{name}.eqx"
        path = os.path.join(OUT, filename)
        eqx.tree_serialise_leaves(path, tree)
        with open(path, "rb") as f:
            data = f.read()
        golden[name] = {"file": filename, "len": len(data), "records": records(tree, data)}
        # The file loads back in Python (a sanity check of the golden itself).
        loaded = eqx.tree_deserialise_leaves(path, tree)
        assert eqx.tree_equal(loaded, tree), name
    with open(os.path.join(OUT, "serialisation.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
