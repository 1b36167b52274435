"""Goldens for the `make_jaxpr` text checked in crates/core/tests/suite/ad_layout_reduce.rs,
ad_gather_sort_window.rs, ad_contract.rs, ad_slicing.rs and control_flow.rs: the printed
jaxprs of the layout / reduction / cumulative / iota, gather / window / sort, dot_general /
conv, slicing and control-flow primitives, as jax.make_jaxpr prints them.

One normalisation (`join_param_lists`): where JAX breaks a parameter list that holds no
sub-program over several lines because it is wider than its printer's line, the lines are
joined with single spaces (`gather[a=1 b=2] x`), which is the form the Rust printer writes.
Parameter lists holding sub-programs (cond, scan) keep JAX's multi-line layout, which the Rust
printer reproduces.

Run with the reference venv: `python parity/literals_jaxpr.py` (jax 0.10.2, x64 enabled for the
float64 / int64 inputs; float32 inputs are created as float32).
"""

import json
import os

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402


def join_param_lists(text):
    """Joins each multi-line parameter list without a sub-program onto its equation's line."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.endswith("["):
            j = i + 1
            while j < len(lines) and not lines[j].lstrip().startswith("]"):
                j += 1
            body = lines[i + 1:j]
            if j < len(lines) and body and not any("{ lambda" in b for b in body):
                out.append(line + " ".join(b.strip() for b in body) + lines[j].lstrip())
                i = j + 1
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


def show(f, *args):
    return join_param_lists(str(jax.make_jaxpr(f)(*args)))


def layout_reduce():
    x = jnp.ones((2, 3, 1), jnp.float32)
    cases = {
        "rev": lambda x: lax.rev(x, (0, 2)),
        "squeeze": lambda x: lax.squeeze(x, (2,)),
        "reduce_max": lambda x: lax.reduce_max(x, (0, 2)),
        "reduce_sum": lambda x: lax.reduce_sum(x, (0, 2)),
        "broadcast_in_dim": lambda x: lax.broadcast_in_dim(x, (4, 2, 3, 5), (1, 2, 3)),
        "reshape": lambda x: lax.reshape(x, (3, 2)),
        "transpose": lambda x: lax.transpose(x, (2, 0, 1)),
        "argmax": lambda x: lax.argmax(x, 1, jnp.int32),
        "cumsum_reverse": lambda x: lax.cumsum(x, 1, reverse=True),
        "cummax": lambda x: lax.cummax(x, 1),
        # An equation without operands: JAX's printer leaves a space before the line break.
        "iota": lambda x: lax.iota(jnp.int32, 4),
    }
    return {k: show(f, x) for k, f in cases.items()}


def gather_sort_window():
    x = jnp.ones((2, 3), jnp.float64)
    idx = jnp.array([[0], [1]], jnp.int32)
    dn = lax.GatherDimensionNumbers(
        offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
    gather = lambda x: lax.gather(
        x, idx, dn, (1, 3), mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)
    window_max = lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (1, 2), (1, 1), "VALID")
    w = jnp.ones((2, 2), jnp.float64)
    # jnp.sort(x, axis=1) stages `jit[name=sort jaxpr={ .. sort[..] .. }]`; the Rust jnp::sort
    # binds the sort primitive directly, which is lax.sort's program.
    sort = show(lambda x: lax.sort(x, dimension=1), x)
    inner = [l.strip() for l in sort.split("\n") if "= sort[" in l]
    assert len(inner) == 1 and inner[0] in show(lambda x: jnp.sort(x, axis=1), x)
    return {
        "gather": show(gather, x),
        "reduce_window_max": show(window_max, x),
        "grad_reduce_window_max": show(jax.grad(lambda x: jnp.sum(w * window_max(x))), x),
        "sort": sort,
    }


def contract():
    a = jnp.ones((5, 2, 3), jnp.float64)
    b = jnp.ones((5, 3, 4), jnp.float64)
    l = jnp.ones((2, 4, 5, 5), jnp.float64)
    r = jnp.ones((6, 2, 3, 3), jnp.float64)
    x = jnp.ones((2, 3), jnp.float64)
    y = jnp.ones((3, 4), jnp.float64)
    mm = lambda x, y: lax.dot_general(x, y, (([1], [0]), ([], [])))
    _, pullback = jax.vjp(mm, x, y)
    return {
        "dot_general": show(lambda a, b: lax.dot_general(a, b, (([2], [1]), ([0], [0]))), a, b),
        "conv_general_dilated": show(
            lambda l, r: lax.conv_general_dilated(
                l, r, (2, 1), [(1, 0), (1, 1)], rhs_dilation=(1, 2), feature_group_count=2),
            l, r),
        # The transpose of a matrix product's linearisation (the residuals x, y are constants).
        "dot_general_transpose": show(pullback, jnp.ones((2, 4), jnp.float64)),
    }


def slicing():
    x = jnp.ones((2, 3, 1), jnp.float32)
    u = jnp.ones((1, 2, 1), jnp.float32)
    i = jnp.int64(1)
    return {
        "pad": show(lambda x: lax.pad(x, jnp.float32(0.0), [(1, 2, 0), (0, -1, 1), (0, 0, 0)]), x),
        "concatenate": show(lambda x: lax.concatenate([x, x], 1), x),
        # The primitives bound directly, as the Rust test does (lax.dynamic_slice and
        # lax.dynamic_update_slice first wrap negative start indices with lt/add/select_n).
        "dynamic_slice": show(
            lambda x, i: lax.dynamic_slice_p.bind(x, i, i, i, slice_sizes=(1, 2, 1)), x, i),
        "dynamic_update_slice": show(
            lambda x, u, i: lax.dynamic_update_slice_p.bind(x, u, i, i, i), x, u, i),
    }


def control_flow():
    p = True
    x = jnp.float32(1.0)
    xs = jnp.ones(3, jnp.float32)
    return {
        "cond": show(lambda p, x: lax.cond(p, lambda x: x * 2.0, lambda x: x + 1.0, x), p, x),
        "scan": show(lambda c, xs: lax.scan(lambda c, a: (c * a, c + a), c, xs), x, xs),
    }


def main():
    out = {
        "jax_version": jax.__version__,
        "layout_reduce": layout_reduce(),  # ad_layout_reduce.rs: jaxprs_print_as_in_jax
        "gather_sort_window": gather_sort_window(),  # ad_gather_sort_window.rs: make_jaxpr_prints_like_jax
        "contract": contract(),  # ad_contract.rs: make_jaxpr_prints_like_jax
        "slicing": slicing(),  # ad_slicing.rs: jaxprs_print_as_in_jax
        "control_flow": control_flow(),  # control_flow.rs: make_jaxpr_prints_sub_programs
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "literals_jaxpr.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
