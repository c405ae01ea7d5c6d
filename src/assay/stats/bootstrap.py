"""Seeded nonparametric bootstrap resampling, in bounded-memory chunks.

Every resample draws ``n`` row indices uniformly with replacement from a
``numpy.random.Generator(PCG64(seed))``. Resample ``r`` always gets the same
indices for a given ``(n, seed)``, whatever the chunk size: NumPy's 64-bit bounded
integer draws consume the bit stream in order, so splitting one big draw into
row chunks yields identical rows (``tests/stats`` checks this).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = [
    "DEFAULT_RESAMPLES",
    "make_rng",
    "chunk_rows",
    "resample_indices",
    "resample_counts",
    "resampled_sums",
]

DEFAULT_RESAMPLES = 1000

# Upper bound on the number of index cells (resamples x n) materialised at once:
# 2**18 int64 cells = 2 MiB per chunk array.
_CHUNK_CELLS = 1 << 18


def make_rng(seed: int) -> np.random.Generator:
    """The one generator type assay uses for resampling: ``Generator(PCG64(seed))``."""
    return np.random.Generator(np.random.PCG64(seed))


def chunk_rows(n: int, n_resamples: int) -> int:
    """How many resamples of ``n`` rows fit in one chunk (at least one)."""
    return max(1, min(n_resamples, _CHUNK_CELLS // max(n, 1)))


def resample_indices(n: int, n_resamples: int = DEFAULT_RESAMPLES, *, seed: int = 0,
                     chunk: int | None = None) -> Iterator[np.ndarray]:
    """Yield ``(k, n)`` int64 arrays of row indices, ``n_resamples`` rows in all."""
    if n <= 0:
        raise ValueError("cannot resample an empty sample")
    if n_resamples <= 0:
        raise ValueError("n_resamples must be positive")
    rng = make_rng(seed)
    step = chunk if chunk is not None else chunk_rows(n, n_resamples)
    done = 0
    while done < n_resamples:
        k = min(step, n_resamples - done)
        yield rng.integers(0, n, size=(k, n))
        done += k


def resample_counts(n: int, n_resamples: int = DEFAULT_RESAMPLES, *, seed: int = 0,
                    chunk: int | None = None) -> Iterator[np.ndarray]:
    """Yield ``(k, n)`` float64 arrays: how often each row is drawn in each resample."""
    for idx in resample_indices(n, n_resamples, seed=seed, chunk=chunk):
        k = idx.shape[0]
        flat = idx + (np.arange(k, dtype=np.int64) * n)[:, None]
        yield np.bincount(flat.ravel(), minlength=k * n).reshape(k, n).astype(np.float64)


def resampled_sums(data: np.ndarray, n_resamples: int = DEFAULT_RESAMPLES, *,
                   seed: int = 0) -> np.ndarray:
    """Column sums of every bootstrap resample of the rows of ``data``.

    ``data`` is ``(n,)`` or ``(n, d)``; the result is ``(n_resamples,)`` or
    ``(n_resamples, d)``. Sums of integer-valued float data are exact below 2**53.
    The product uses ``einsum`` (plain C loops), not BLAS: a threaded BLAS stalls
    on these thin products when the cores are busy, and this stays reproducible.
    """
    arr = np.asarray(data, dtype=np.float64)
    flat = arr.reshape(arr.shape[0], -1)
    parts = [np.einsum("kn,nd->kd", counts, flat)
             for counts in resample_counts(flat.shape[0], n_resamples, seed=seed)]
    out = np.concatenate(parts, axis=0)
    return out.reshape((n_resamples,) + arr.shape[1:])
