"""Values remembered for the very Arrow arrays of a frame's columns.

A pyarrow array cannot change in place: pandas gives a column a new array when a value
is set, and new arrays to a frame made by filtering, sorting or slicing rows (a copy
keeps the arrays, and with them the values). So a value computed from a column's array
holds as long as that very array lives: :class:`ArrayMemo` keeps it that long, by the
array's identity. The corpus cache uses this for the digest of a corpus' texts
(:func:`analysis.cache._text_digest`) and for the cleaning audit stored with an entry
(:func:`analysis.clean.remember_audit`).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["ArrayMemo", "arrow_array"]


def arrow_array(column: pd.Series):
    """The Arrow array (``pyarrow.ChunkedArray``) that holds ``column``, or None when the
    column is not held in Arrow (object, categorical, numpy dtypes)."""
    import pyarrow as pa

    values = getattr(column.array, "_pa_array", None)
    return values if isinstance(values, pa.ChunkedArray) else None


class ArrayMemo:
    """A value per tuple of Arrow arrays, kept while the first of them lives.

    :meth:`get` gives the value only for the very arrays it was :meth:`put` with
    (weak references, checked by identity, so an array that takes a dead one's ``id``
    is not mistaken for it). An entry goes when its first array is collected.
    """

    def __init__(self) -> None:
        self._known: dict[int, tuple[tuple[weakref.ref, ...], Any]] = {}

    def put(self, arrays: Sequence, value: Any) -> None:
        key = id(arrays[0])
        entry = (tuple(weakref.ref(a) for a in arrays), value)
        self._known[key] = entry
        weakref.finalize(arrays[0], self._forget, key, entry)

    def get(self, arrays: Sequence) -> Any:
        """The value put with these very ``arrays``, or None."""
        entry = self._known.get(id(arrays[0]))
        if entry is None or len(entry[0]) != len(arrays):
            return None
        if any(ref() is not a for ref, a in zip(entry[0], arrays, strict=True)):
            return None
        return entry[1]

    def __contains__(self, key: int) -> bool:
        """Whether an entry is kept for the array whose ``id`` is ``key``."""
        return key in self._known

    def _forget(self, key: int, entry: tuple) -> None:
        if self._known.get(key) is entry:  # not one put since for a new array at that id
            self._known.pop(key, None)
