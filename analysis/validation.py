"""Declarative checks of the parameters the public functions share, and renamed keywords.

Every public function validates its parameters through these helpers, so the same
mistake gets the same one-line :class:`~analysis.errors.AnalysisError` everywhere.
:func:`renamed` keeps an old keyword name working for one release with a
:class:`DeprecationWarning` (see the glossary in the README).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ._yaml import did_you_mean
from .errors import AnalysisError

__all__ = [
    "renamed",
    "check_int",
    "check_top_n",
    "check_level",
    "check_choice",
    "require_columns",
    "as_list",
]


def renamed(**old_to_new: str) -> Callable:
    """Accept old keyword names for one release: warn, then pass the value on under the new.

    ``@renamed(top="top_n")`` lets ``f(top=5)`` run as ``f(top_n=5)`` with a
    ``DeprecationWarning``; giving both names is an error. The wrapped function's
    signature (``inspect.signature``) shows only the new names; the mapping is kept
    in ``wrapper.__renamed__`` for tests and docs.
    """

    def deco(fn: Callable) -> Callable:
        params = inspect.signature(fn).parameters
        missing = [new for new in old_to_new.values() if new not in params]
        if missing:
            raise TypeError(f"{fn.__qualname__} has no parameter {missing[0]!r}")

        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for old, new in old_to_new.items():
                if old in kwargs:
                    given = new in kwargs or (
                        args and new in signature.bind_partial(*args).arguments
                    )
                    if given:
                        raise AnalysisError(
                            f"{fn.__name__}: give {new}= only ({old}= is its old name)"
                        )
                    warnings.warn(
                        f"{fn.__qualname__}({old}=...) is deprecated; use {new}= "
                        "(the old name goes in the next release)",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        wrapper.__renamed__ = dict(old_to_new)
        return wrapper

    return deco


def check_int(name: str, value: object, minimum: int = 0) -> int:
    """``value`` as an ``int`` if it is a whole number >= ``minimum`` (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise AnalysisError(f"{name}={value!r} must be a whole number >= {minimum}")
    return int(value)


def check_top_n(value: object, *, name: str = "top_n", allow_none: bool = True) -> int | None:
    """How many top items to keep: a whole number >= 1, or None (all) when allowed."""
    if value is None and allow_none:
        return None
    return check_int(name, value, 1)


def check_level(level: object) -> float:
    """An interval's coverage, strictly between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating):
        raise AnalysisError(f"level={level!r} must be a number between 0 and 1, e.g. 0.95")
    if not 0 < level < 1:
        raise AnalysisError(f"level={level!r} must be between 0 and 1, e.g. 0.95")
    return float(level)


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; otherwise an error that suggests the nearest."""
    if not isinstance(value, str) or value not in choices:
        raise AnalysisError(
            f"{name}={value!r} is not one of {', '.join(choices)}{did_you_mean(value, choices)}"
        )
    return value


def require_columns(
    data: object, columns: Iterable[str], what: str, *, empty_ok: bool = False
) -> None:
    """``data`` is a DataFrame with ``columns`` (and rows, unless ``empty_ok``).

    ``what`` names the caller in the message (``"plot_keyness"``); the message lists the
    missing column, the table's columns and the nearest name.
    """
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError(f"{what} needs a DataFrame, not {type(data).__name__}")
    have = [str(c) for c in data.columns]
    for c in columns:
        if c not in data.columns:
            raise AnalysisError(
                f"{what}: the table has no column {c!r}{did_you_mean(c, have)}; "
                f"its columns are {', '.join(have[:15])}"
            )
    if not empty_ok and data.empty:
        raise AnalysisError(f"{what}: the table is empty; there is nothing to show")


def as_list(value: object, name: str) -> list:
    """A list parameter as a list: one string is a one-item list, never its characters.

    ``None`` is an empty list; a tuple, list, pandas Index or numpy array becomes a list;
    anything else (a number, a mapping) is an error naming ``name``. Notebooks run with
    ``papermill -p by year`` receive ``by = "year"``; this reads it as ``["year"]``.
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | pd.Index | np.ndarray | pd.Series):
        return list(value)
    raise AnalysisError(
        f"{name}={value!r} must be a list (or one name as a string), e.g. {name}: [year]"
    )
