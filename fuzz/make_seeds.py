"""Writes the seed inputs the fuzz corpora started from (fuzz/corpus/<target>/seed-*).

Pure Python (no numpy): each file is built from the format's specification, valid for the
target's template, plus the variants numpy writes (big-endian, Fortran order, format versions
2.0 and 3.0). Run from the repository root: `python3 fuzz/make_seeds.py`.
"""

import gzip
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

# (numpy descr without byte order, struct format, shape) of the leaves of
# equinox_fuzz::template(true), in leaf order; bf16 is a 2-byte void ('V2') to numpy.
EQX_LEAVES = [
    ("f4", "f", [2, 3]),  # layers[0].weight
    ("f4", "f", [2]),  # layers[0].bias
    ("f4", "f", [1, 2]),  # layers[1].weight
    ("f4", "f", [1]),  # layers[1].bias
    ("b1", "?", [2]),
    ("u1", "B", [0, 3]),
    ("u4", "I", [2]),
    ("i4", "i", []),
    ("i8", "q", [1, 2]),
    ("f2", "e", [2]),
    ("V2", "H", [3]),
    ("f8", "d", []),
    ("c8", "ff", [1]),
    ("c16", "dd", [2]),
]


def py_tuple(shape):
    if len(shape) == 1:
        return "(%d,)" % shape[0]
    return "(" + ", ".join(str(d) for d in shape) + ")"


def npy(descr, fmt, shape, big_endian=False, fortran=False, version=(1, 0)):
    """One .npy record holding 1, 2, 3, ... (complex: k + 0.5j), as np.save would write it."""
    n = 1
    for d in shape:
        n *= d
    order = ">" if big_endian else "<"
    if descr in ("b1", "u1"):
        order = "|"
    header = "{'descr': '%s%s', 'fortran_order': %s, 'shape': %s, }" % (
        order,
        descr,
        fortran,
        py_tuple(shape),
    )
    len_bytes = 2 if version == (1, 0) else 4
    prefix = 6 + 2 + len_bytes
    header += " " * (64 - (prefix + len(header) + 1) % 64) + "\n"
    out = b"\x93NUMPY" + bytes(version)
    out += struct.pack("<H" if len_bytes == 2 else "<I", len(header))
    out += header.encode("latin-1")
    endian = ">" if big_endian else "<"
    for k in range(n):
        if fmt == "?":
            values = (k % 2 == 1,)
        elif len(fmt) == 2:
            values = (k + 1.0, 0.5)
        elif fmt in "fed":
            values = (k + 1.0,)
        else:
            values = (k + 1,)
        out += struct.pack(endian + fmt, *values)
    return out


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, "seed-" + name), "wb") as f:
        f.write(data)


def safetensors_file(leaves):
    """A safetensors file: u64 header length, JSON header, then the tensors' data."""
    header, data = {}, b""
    for name, dtype, fmt, shape in leaves:
        n = 1
        for d in shape:
            n *= d
        payload = b"".join(
            struct.pack("<" + fmt, *((k + 1.0, 0.5) if len(fmt) == 2 else (k % 2,)))
            for k in range(n)
        )
        header[name] = {
            "dtype": dtype,
            "shape": shape,
            "data_offsets": [len(data), len(data) + len(payload)],
        }
        data += payload
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def idx_file(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data


def main():
    # .npy: every dtype, plus byte order, memory order and format-version variants.
    for descr, fmt, shape in EQX_LEAVES:
        write("npy", descr + "-" + "x".join(map(str, shape)), npy(descr, fmt, shape))
    write("npy", "f8-be-fortran", npy("f8", "d", [2, 3], big_endian=True, fortran=True))
    write("npy", "i4-v2", npy("i4", "i", [3, 1], version=(2, 0)))
    write("npy", "c16-v3-be", npy("c16", "dd", [2], big_endian=True, version=(3, 0)))

    # .eqx: the template's records, and the same with big-endian / Fortran / v2 records.
    records = [npy(d, f, s) for d, f, s in EQX_LEAVES]
    write("eqx_leaves", "template", b"".join(records))
    variant = list(records)
    variant[0] = npy("f4", "f", [2, 3], big_endian=True, fortran=True)
    variant[6] = npy("u4", "I", [2], version=(2, 0))
    variant[13] = npy("c16", "dd", [2], big_endian=True, version=(3, 0))
    write("eqx_leaves", "variants", b"".join(variant))

    # safetensors: the leaves of template(false), named by their paths.
    kinds = [
        ("BOOL", "?", [2]),
        ("U8", "B", [0, 3]),
        ("U32", "I", [2]),
        ("I32", "i", []),
        ("I64", "q", [1, 2]),
        ("F16", "e", [2]),
        ("BF16", "H", [3]),
        ("F64", "d", []),
        ("C64", "ff", [1]),
    ]
    leaves = [
        ("layers[0].weight", "F32", "f", [2, 3]),
        ("layers[0].bias", "F32", "f", [2]),
        ("layers[1].weight", "F32", "f", [1, 2]),
        ("layers[1].bias", "F32", "f", [1]),
    ] + [("extras[%d]" % i, d, f, s) for i, (d, f, s) in enumerate(kinds)]
    write("safetensors", "template", safetensors_file(leaves))

    # IDX: two images of 2x3 pixels and their labels, plain and gzipped; the first two bytes
    # are the images file's length (see equinox_fuzz::idx).
    images = idx_file([2, 2, 3], bytes(range(0, 240, 20)))
    labels = idx_file([2], bytes([7, 3]))
    for name, im, lb in [
        ("plain", images, labels),
        ("gzip", gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)),
    ]:
        write("idx", name, struct.pack("<H", len(im)) + im + lb)

    # Digits CSV: three lines of the shipped file, plain and gzipped.
    shipped = os.path.join(ROOT, "..", "..", "examples", "data", "digits.csv.gz")
    with gzip.open(shipped, "rb") as f:
        text = b"".join(f.readline() for _ in range(3))
    write("digits_csv", "plain", text)
    write("digits_csv", "gzip", gzip.compress(text, mtime=0))

    # Shapes and indexing: a few decision streams (dtype, shape, then operations).
    for i, stream in enumerate(
        [
            bytes([0, 2, 3, 4, 0, 2, 1, 1, 2]),
            bytes([1, 3, 2, 3, 4, 1, 4, 3, 1, 1, 0, 2, 0, 250, 3]),
            bytes([5, 2, 4, 4, 3, 4, 4, 1, 2, 1, 5, 2, 2, 2, 1, 0]),
            bytes([2, 1, 230, 5, 2, 1, 3]),
        ]
    ):
        write("shapes_indexing", str(i), stream)


if __name__ == "__main__":
    main()
