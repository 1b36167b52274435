"""f32 matmul throughput of numpy (OpenBLAS); JSON lines like benches/matmul.rs.

Usage: python benches/matmul_numpy.py --threads T. Run 1 thread under `taskset -c 0` and with
OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset (see benches/run_matmul.sh).
"""
import argparse, json, time
import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--sizes", default="256,512,1024,2048")
args = p.parse_args()
arch = [i.get("architecture") for i in threadpool_info() if i.get("internal_api") == "openblas"]
with threadpool_limits(args.threads):
    for n in map(int, args.sizes.split(",")):
        rng = np.random.default_rng(0)
        a = rng.random((n, n), dtype=np.float32) - 0.5
        b = rng.random((n, n), dtype=np.float32) - 0.5
        for _ in range(3):
            a @ b
        times, start = [], time.perf_counter()
        while len(times) < 10 or time.perf_counter() - start < 1.5:
            t = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - t)
        times.sort()
        flop = 2.0 * n**3
        print(json.dumps({"impl": "numpy", "n": n, "threads": args.threads, "reps": len(times),
                          "gflops_best": round(flop / times[0] / 1e9, 1),
                          "gflops_median": round(flop / times[len(times) // 2] / 1e9, 1),
                          "openblas": arch}), flush=True)
