"""Writes parity/goldens/api_names.json: the public function names of jax.numpy, jax.lax,
jax.random and jax.nn in JAX 0.10.2 (every public callable that is not a class or a module),
for the coverage list `docs/jax_api_coverage.md`, which `crates/core/tests/suite/api_coverage.rs`
regenerates from the code and compares.

Run with the reference venv:  .venv/bin/python parity/api_names.py
"""
import inspect
import json
import os

import jax
import jax.lax
import jax.nn
import jax.numpy
import jax.random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goldens", "api_names.json")


def functions(module):
    names = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if inspect.ismodule(obj) or isinstance(obj, type) or not callable(obj):
            continue
        names.append(name)
    return sorted(names)


def main():
    modules = {
        "jax.numpy": jax.numpy,
        "jax.lax": jax.lax,
        "jax.random": jax.random,
        "jax.nn": jax.nn,
    }
    result = {"jax_version": jax.__version__,
              "modules": {k: functions(m) for k, m in modules.items()}}
    with open(OUT, "w") as f:
        json.dump(result, f, indent=0)
        f.write("\n")
    print({k: len(v) for k, v in result["modules"].items()})


if __name__ == "__main__":
    main()
