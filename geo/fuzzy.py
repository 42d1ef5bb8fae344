"""Close names, as ``difflib.get_close_matches`` finds them, among tens of thousands, fast."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np


class CloseNames:
    """The names to search, sorted by length, with each one's letter counts (one numpy pass per query)."""

    def __init__(self, names: Iterable[str], cutoff: float) -> None:
        self.cutoff = cutoff
        # Sorted by length, so the names difflib could accept for a query are one slice.
        self.keys = sorted(names, key=lambda k: (len(k), k))
        self.lengths = np.array([len(k) for k in self.keys], dtype=np.int64)
        # One row per letter, one column per name: a query reads only its own letters' rows.
        self.counts = np.ascontiguousarray(_letter_counts(self.keys).T.astype(np.uint8))

    def closest(self, key: str, rows: np.ndarray | None, n: int) -> list[str]:
        """The ``n`` names closest to ``key`` among ``rows`` (positions in ``keys``; None: all):
        ``difflib.get_close_matches(key, names, n, cutoff)``, same answer, faster.

        difflib keeps a name only if its real_quick_ratio (lengths) and quick_ratio (shared
        letters, in any order) reach the cutoff, then computes the real ratio, which
        neither bound is below. Here both bounds are computed with numpy for all names at
        once, and the real ratios in decreasing order of bound, stopping when the bound
        falls under the n-th best ratio found: a handful of ratios instead of 37,000.
        """
        size, cutoff = len(key), self.cutoff
        start = int(np.searchsorted(self.lengths, size * cutoff / (2 - cutoff) - 1e-6, side="left"))
        stop = int(np.searchsorted(self.lengths, size * (2 - cutoff) / cutoff + 1e-6, side="right"))
        columns = np.arange(start, stop) if rows is None else rows[(rows >= start) & (rows < stop)]
        if columns.size == 0:
            return []
        counts = _letter_counts([key])[0]
        shared = np.zeros(columns.size, dtype=np.int32)
        for letter in np.flatnonzero(counts):
            row = self.counts[letter, start:stop] if rows is None else self.counts[letter, columns]
            shared += np.minimum(row, counts[letter])
        bound = 2.0 * shared / (self.lengths[columns] + size)
        order = np.flatnonzero(bound >= cutoff - 1e-9)
        order = order[np.argsort(-bound[order], kind="stable")]
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(key)
        best: list[tuple[float, str]] = []  # the n best (ratio, name), as get_close_matches ranks them
        for i in order:
            if len(best) >= n and bound[i] < best[-1][0] - 1e-9:
                break
            name = self.keys[columns[i]]
            matcher.set_seq1(name)
            score = matcher.ratio()
            if score >= cutoff:
                best.append((score, name))
                best.sort(reverse=True)
                del best[n:]
        return [name for _, name in best]


_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789 "
# Code point (below 128) → bucket; every other character shares the last bucket, which
# keeps the shared-letter count an upper bound.
_BUCKET_OF = np.full(128, len(_LETTERS), dtype=np.int64)
_BUCKET_OF[[ord(ch) for ch in _LETTERS]] = np.arange(len(_LETTERS))


def _letter_counts(keys: list[str]) -> np.ndarray:
    """One row per key: how many times each letter occurs in it."""
    lengths = np.array([len(k) for k in keys], dtype=np.int64)
    points = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    buckets = np.where(points < 128, _BUCKET_OF[np.minimum(points, 127)], len(_LETTERS))
    rows = np.repeat(np.arange(len(keys)), lengths)
    width = len(_LETTERS) + 1
    counts = np.bincount(rows * width + buckets, minlength=len(keys) * width)
    return counts.reshape(len(keys), width).astype(np.int32)
