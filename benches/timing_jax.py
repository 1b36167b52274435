"""The timing loop the JAX benchmark scripts share: the same loop as benches/timing/mod.rs."""

import statistics
from time import perf_counter


def time_it(fn, batch=1, min_time=1.5):
    """Per-call (min, median) seconds of fn() over batches of `batch` calls, and the call count.

    As benches/timing/mod.rs: a warm-up of at least 20 calls, then batches until `min_time`
    seconds have passed and at least 30 batches were timed.
    """
    for _ in range(max(batch, 20)):
        fn()
    samples = []
    start = perf_counter()
    while len(samples) < 30 or perf_counter() - start < min_time:
        t0 = perf_counter()
        for _ in range(batch):
            fn()
        samples.append((perf_counter() - t0) / batch)
    samples.sort()
    return samples[0], statistics.median(samples), len(samples) * batch
