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
from collections.abc import Callable

from .errors import AnalysisError

__all__ = ["renamed"]


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

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
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
