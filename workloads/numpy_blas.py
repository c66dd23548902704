"""NumPy linear algebra on small matrices (OpenBLAS/MKL): the native thread limit decides.

Each task multiplies and solves 160x160 matrices. NumPy's BLAS starts a thread pool of its own
in every process, one thread per core as installed, and releases the GIL while it computes. On
matrices this small the pool's hand-offs cost more than they gain, and with a thread or process
pool on top, every worker's BLAS threads compete for the same cores: oversubscribed, the job can
run several times slower than a plain loop. With OPENBLAS_NUM_THREADS=1 (its share of the cores
per worker), a thread pool runs the tasks on every core. concur measures it as installed and with
the limit, and names the limit in its recommendation.

Needs NumPy in the interpreter concur measures: Debian's python3-numpy (`make deps`), with
--python /usr/bin/python3.
"""
try:
    import numpy as np
except ImportError as exc:  # said plainly: the probe stops concur here with this line
    raise ImportError("numpy_blas needs NumPy, which this interpreter cannot import: run concur "
                      "with --python /usr/bin/python3 after `make deps` (Debian's python3-numpy)"
                      ) from exc

# 64 tasks of ~15 ms with one BLAS thread on a quiet core: about 1 s for one pass.
TASKS = 64

N = 160


def task(i):
    rng = np.random.default_rng(i)
    a = rng.standard_normal((N, N))
    acc = 0.0
    for _ in range(36):
        b = a @ a.T + N * np.eye(N)
        acc += float(np.linalg.solve(b, a[:, 0]).sum())
    # Rounded: the last bits of a BLAS sum depend on how many threads shared it, and concur
    # compares every task's result with the plain loop's.
    return round(acc, 6)
