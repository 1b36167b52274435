"""Goldens for Equinox's convolution and pooling layers (Conv, ConvTranspose, Pool and its
Max/Avg subclasses, AdaptivePool and its subclasses), from real Equinox 0.13.8 / JAX 0.10.2.

Each case stores the constructor arguments as given to Equinox (ints, per-axis lists, pairs or
strings, so the Rust side checks its argument parsing too), the initial parameters with their
bit patterns (compared bit for bit), a fixed input (with bits, so the Rust input is exact), the
forward output, and the gradients of the scalar loss `sum(sin(y) * y)` with respect to every
array parameter (in leaf order) and to the input.

float64 layers need `jax_enable_x64`, so they come from a child process with x64 on and are
stored under "x64". Checked by `crates/equinox/tests/suite/nn_conv.rs`.
Run: .venv/bin/python parity/nn_conv.py  (writes parity/goldens/nn_conv.json)
"""

import json
import os
import subprocess
import sys

import numpy as np

X64 = "--x64" in sys.argv
if X64:
    import jax

    jax.config.update("jax_enable_x64", True)

import equinox as eqx  # noqa: E402
import jax  # noqa: E402
import jax.lax as lax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jax.random as jr  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from golden_encoding import enc as enc_values  # noqa: E402


def enc(a):
    """`golden_encoding.enc` plus "bits": each element's bit pattern in its own dtype (hex)."""
    a = np.asarray(a)
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    out = enc_values(a)
    out["bits"] = [format(int(b), "x") for b in a.reshape(-1).view(uint)]
    return out


def loss_of(y):
    return jnp.sum(jnp.sin(y) * y)


def run(layer, x):
    """Forward output and the gradients of `loss_of(layer(x))` w.r.t. array leaves and x."""
    params, static = eqx.partition(layer, eqx.is_array)

    def loss(p, x):
        return loss_of(eqx.combine(p, static)(x))

    y = layer(x)
    gp, gx = jax.grad(loss, argnums=(0, 1))(params, x)
    return {
        "x": enc(x),
        "y": enc(y),
        "grad_params": [enc(g) for g in jax.tree_util.tree_leaves(gp)],
        "grad_x": enc(gx),
    }


def input_of(shape, seed, dtype):
    return jr.normal(jr.PRNGKey(1000 + seed), shape, dtype)


CONV_DEFAULTS = dict(stride=1, padding=0, dilation=1, groups=1, use_bias=True,
                     padding_mode="ZEROS")


def conv_case(name, nsd, cin, cout, kernel_size, spatial, seed, dtype=None, **options):
    layer = eqx.nn.Conv(nsd, cin, cout, kernel_size, dtype=dtype, key=jr.PRNGKey(seed),
                        **options)
    x = input_of((cin,) + tuple(spatial), seed, layer.weight.dtype)
    return {
        "name": name, "num_spatial_dims": nsd, "in_channels": cin, "out_channels": cout,
        "kernel_size": kernel_size, "seed": seed, "dtype": str(layer.weight.dtype),
        "options": {**CONV_DEFAULTS, **options},
        "weight": enc(layer.weight),
        "bias": None if layer.bias is None else enc(layer.bias),
        **run(layer, x),
    }


def conv_transpose_case(name, nsd, cin, cout, kernel_size, spatial, seed, dtype=None,
                        **options):
    layer = eqx.nn.ConvTranspose(nsd, cin, cout, kernel_size, dtype=dtype,
                                 key=jr.PRNGKey(seed), **options)
    x = input_of((cin,) + tuple(spatial), seed, layer.weight.dtype)
    return {
        "name": name, "num_spatial_dims": nsd, "in_channels": cin, "out_channels": cout,
        "kernel_size": kernel_size, "seed": seed, "dtype": str(layer.weight.dtype),
        "options": {**CONV_DEFAULTS, "output_padding": 0, **options},
        "weight": enc(layer.weight),
        "bias": None if layer.bias is None else enc(layer.bias),
        **run(layer, x),
    }


POOLS = {
    ("max", 1): eqx.nn.MaxPool1d, ("max", 2): eqx.nn.MaxPool2d, ("max", 3): eqx.nn.MaxPool3d,
    ("avg", 1): eqx.nn.AvgPool1d, ("avg", 2): eqx.nn.AvgPool2d, ("avg", 3): eqx.nn.AvgPool3d,
}
GENERAL_POOLS = {"max": (-jnp.inf, lax.max), "min": (jnp.inf, lax.min), "add": (0, lax.add)}


def pool_case(name, kind, nsd, kernel_size, shape, seed, general=False, **options):
    """`kind` "max"/"avg" uses MaxPoolNd/AvgPoolNd; with `general`, `Pool(init, op, ...)`
    with kind "max", "min" or "add"."""
    if general:
        init, op = GENERAL_POOLS[kind]
        layer = eqx.nn.Pool(init, op, nsd, kernel_size, **options)
    else:
        layer = POOLS[(kind, nsd)](kernel_size, **options)
    x = input_of(shape, seed, jnp.float32)
    return {
        "name": name, "kind": kind, "general": general, "num_spatial_dims": nsd,
        "kernel_size": kernel_size,
        "options": {"stride": 1, "padding": 0, "use_ceil": False, **options},
        **run(layer, x),
    }


ADAPTIVE = {
    ("avg", 1): eqx.nn.AdaptiveAvgPool1d, ("avg", 2): eqx.nn.AdaptiveAvgPool2d,
    ("avg", 3): eqx.nn.AdaptiveAvgPool3d, ("max", 1): eqx.nn.AdaptiveMaxPool1d,
    ("max", 2): eqx.nn.AdaptiveMaxPool2d, ("max", 3): eqx.nn.AdaptiveMaxPool3d,
}


def adaptive_case(name, kind, nsd, target_shape, shape, seed, general=False):
    if general:
        op = {"avg": jnp.mean, "max": jnp.max}[kind]
        layer = eqx.nn.AdaptivePool(target_shape, nsd, op)
    else:
        layer = ADAPTIVE[(kind, nsd)](target_shape)
    x = input_of(shape, seed, jnp.float32)
    return {
        "name": name, "kind": kind, "general": general, "num_spatial_dims": nsd,
        "target_shape": target_shape, **run(layer, x),
    }


def x64_cases():
    return {
        "conv": [
            conv_case("conv2d_f64", 2, 2, 3, 3, (5, 6), 40, dtype=jnp.float64, padding=1),
            conv_case("conv1d_f64_reflect", 1, 2, 2, 3, (7,), 41, dtype=jnp.float64,
                      padding="SAME", padding_mode="REFLECT"),
        ],
        "conv_transpose": [
            conv_transpose_case("convt2d_f64", 2, 2, 3, 3, (4, 4), 42, dtype=jnp.float64,
                                stride=2, padding=1, output_padding=1),
        ],
        "pool": [pool_case("maxpool2d_f64_input", "max", 2, 2, (2, 5, 5), 43, stride=2)],
    }


def main():
    convs = [
        conv_case("conv1d_default", 1, 2, 3, 3, (8,), 0),
        conv_case("conv2d_default", 2, 3, 4, 3, (6, 7), 1),
        conv_case("conv3d_default", 3, 2, 2, 2, (4, 5, 3), 2),
        conv_case("conv2d_stride2_pad1", 2, 2, 3, 3, (7, 6), 3, stride=2, padding=1),
        conv_case("conv2d_per_axis", 2, 2, 2, [3, 2], (6, 7), 4, stride=[1, 2],
                  padding=[1, 2]),
        conv_case("conv2d_pairs", 2, 1, 2, 3, (5, 5), 5, padding=[[1, 0], [0, 2]]),
        conv_case("conv2d_same_stride2", 2, 2, 3, 3, (7, 8), 6, stride=2, padding="SAME"),
        conv_case("conv2d_same_lower_k4", 2, 2, 2, 4, (6, 5), 7, padding="SAME_LOWER"),
        conv_case("conv2d_same_k4", 2, 2, 2, 4, (6, 5), 7, padding="SAME"),
        conv_case("conv2d_valid", 2, 2, 2, 3, (5, 6), 8, padding="VALID"),
        conv_case("conv2d_dilation2_same", 2, 2, 3, 3, (8, 7), 9, dilation=2, padding="SAME"),
        conv_case("conv2d_dilation_per_axis", 2, 2, 2, [2, 3], (8, 9), 10, dilation=[3, 2],
                  stride=[2, 1]),
        conv_case("conv2d_groups2", 2, 4, 6, 3, (5, 5), 11, groups=2, padding=1),
        conv_case("conv2d_depthwise", 2, 3, 3, 3, (5, 6), 12, groups=3),
        conv_case("conv2d_nobias", 2, 2, 3, 3, (5, 5), 13, use_bias=False),
        conv_case("conv2d_reflect", 2, 2, 3, 3, (5, 6), 14, padding=1, padding_mode="REFLECT"),
        conv_case("conv2d_replicate", 2, 2, 2, 3, (5, 4), 15, padding=2,
                  padding_mode="REPLICATE"),
        conv_case("conv2d_circular", 2, 2, 2, 3, (5, 6), 16, padding=1,
                  padding_mode="CIRCULAR"),
        conv_case("conv2d_reflect_same_stride2", 2, 2, 2, 3, (7, 6), 17, padding="SAME",
                  stride=2, padding_mode="REFLECT"),
        conv_case("conv1d_circular_pairs", 1, 2, 2, 4, (6,), 18, padding=[[2, 1]],
                  padding_mode="CIRCULAR"),
        conv_case("conv1d_replicate_big", 1, 1, 2, 3, (3,), 19, padding=4,
                  padding_mode="REPLICATE"),
        conv_case("conv1d_circular_big", 1, 1, 1, 3, (3,), 20, padding=[[5, 4]],
                  padding_mode="CIRCULAR"),
        conv_case("conv1d_lowercase_strings", 1, 2, 2, 3, (6,), 21, padding="same",
                  padding_mode="circular"),
        conv_case("conv3d_mixed", 3, 4, 2, [2, 3, 1], (5, 6, 4), 22, stride=[2, 1, 2],
                  padding=[[1, 0], [1, 1], [0, 2]], dilation=[1, 2, 1], groups=2),
        conv_case("conv3d_reflect", 3, 1, 2, 3, (4, 3, 5), 23, padding=1,
                  padding_mode="REFLECT"),
        conv_case("conv2d_f16", 2, 2, 2, 3, (4, 4), 24, dtype=jnp.float16),
        conv_case("conv2d_bf16", 2, 2, 2, 3, (4, 4), 25, dtype=jnp.bfloat16),
    ]
    conv_transposes = [
        conv_transpose_case("convt1d_default", 1, 2, 3, 3, (5,), 50),
        conv_transpose_case("convt2d_stride2_pad1_out1", 2, 1, 2, 3, (5, 5), 51, stride=2,
                            padding=1, output_padding=1),
        conv_transpose_case("convt2d_same_stride2", 2, 2, 2, 3, (4, 5), 52, stride=2,
                            padding="SAME"),
        conv_transpose_case("convt2d_same_lower_k4_stride2", 2, 2, 2, 4, (4, 3), 53,
                            stride=2, padding="SAME_LOWER"),
        conv_transpose_case("convt2d_valid_stride3", 2, 2, 3, 2, (3, 4), 54, stride=3,
                            padding="VALID"),
        conv_transpose_case("convt2d_dilation_pairs", 2, 2, 2, 3, (4, 4), 55, dilation=2,
                            padding=[[1, 0], [2, 1]]),
        conv_transpose_case("convt2d_groups2", 2, 4, 2, 3, (4, 4), 56, groups=2, stride=2,
                            output_padding=[1, 0]),
        conv_transpose_case("convt1d_circular_same", 1, 2, 2, 3, (6,), 57, padding="SAME",
                            padding_mode="CIRCULAR"),
        conv_transpose_case("convt2d_circular_same_lower_stride2", 2, 1, 2, 4, (4, 5), 58,
                            stride=2, padding="SAME_LOWER", padding_mode="CIRCULAR"),
        conv_transpose_case("convt3d_stride2", 3, 2, 2, 2, (3, 2, 3), 59, stride=2),
        conv_transpose_case("convt2d_nobias_per_axis", 2, 2, 3, [3, 2], (4, 5), 60,
                            use_bias=False, stride=[2, 1], padding=[1, 0]),
        conv_transpose_case("convt1d_same_negative_psum", 1, 1, 2, 1, (4,), 61, stride=3,
                            padding="SAME"),
        conv_transpose_case("convt2d_same_output_padding", 2, 1, 1, 3, (3, 3), 62, stride=2,
                            padding="SAME", output_padding=1),
        conv_transpose_case("convt2d_f16", 2, 2, 2, 3, (3, 3), 63, dtype=jnp.float16),
    ]
    pools = [
        pool_case("maxpool1d_k3", "max", 1, 3, (2, 8), 70),
        pool_case("maxpool2d_k2_s2", "max", 2, 2, (3, 6, 6), 71, stride=2),
        pool_case("maxpool2d_ceil", "max", 2, 2, (2, 5, 5), 72, stride=2, use_ceil=True),
        pool_case("maxpool2d_pad1_s2", "max", 2, 3, (2, 6, 7), 73, stride=2, padding=1),
        pool_case("maxpool3d_k2", "max", 3, 2, (2, 3, 4, 3), 74),
        pool_case("maxpool2d_per_axis_pairs", "max", 2, [2, 3], (1, 5, 7), 75, stride=[1, 2],
                  padding=[[1, 0], [0, 2]]),
        pool_case("avgpool1d_k2_s2", "avg", 1, 2, (2, 9), 76, stride=2),
        pool_case("avgpool2d_pad1", "avg", 2, 3, (2, 4, 5), 77, padding=1),
        pool_case("avgpool2d_ceil", "avg", 2, 2, (1, 5, 5), 78, stride=2, use_ceil=True),
        pool_case("avgpool3d_mixed", "avg", 3, [2, 1, 2], (2, 3, 4, 3), 79, stride=[1, 2, 1],
                  padding=[[1, 0], [0, 0], [0, 1]]),
        pool_case("avgpool2d_per_axis_padding", "avg", 2, 3, (1, 5, 6), 80, stride=2,
                  padding=[1, 0]),
        pool_case("pool_max_general", "max", 2, 2, (2, 4, 4), 81, general=True, stride=2),
        pool_case("pool_min_general", "min", 1, 3, (2, 7), 82, general=True, padding=1),
        pool_case("pool_add_general", "add", 2, 2, (1, 4, 5), 83, general=True,
                  use_ceil=True, stride=2),
    ]
    adaptives = [
        adaptive_case("adaptive_avg1d_uneven", "avg", 1, 3, (2, 8), 90),
        adaptive_case("adaptive_avg1d_even", "avg", 1, 4, (2, 8), 91),
        adaptive_case("adaptive_max1d_uneven", "max", 1, 3, (2, 7), 92),
        adaptive_case("adaptive_max2d", "max", 2, [2, 3], (2, 5, 7), 93),
        adaptive_case("adaptive_avg2d", "avg", 2, 2, (3, 4, 5), 94),
        adaptive_case("adaptive_avg2d_identity", "avg", 2, [4, 3], (1, 4, 3), 95),
        adaptive_case("adaptive_max3d", "max", 3, [1, 2, 3], (2, 3, 4, 5), 96),
        adaptive_case("adaptive_avg3d", "avg", 3, 2, (1, 5, 3, 4), 97),
        adaptive_case("adaptive_general_max2d", "max", 2, [3, 1], (2, 7, 4), 98, general=True),
        adaptive_case("adaptive_general_avg1d", "avg", 1, 5, (1, 13), 99, general=True),
    ]

    child = subprocess.run(
        [sys.executable, __file__, "--x64"], check=True, capture_output=True, text=True
    )
    out = {
        "jax": jax.__version__,
        "equinox": eqx.__version__,
        "conv": convs,
        "conv_transpose": conv_transposes,
        "pool": pools,
        "adaptive_pool": adaptives,
        "x64": json.loads(child.stdout),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "nn_conv.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"wrote {len(convs)} Conv, {len(conv_transposes)} ConvTranspose, {len(pools)} Pool "
          f"and {len(adaptives)} AdaptivePool cases to {path}")


if __name__ == "__main__":
    if X64:
        json.dump(x64_cases(), sys.stdout)
    else:
        main()
