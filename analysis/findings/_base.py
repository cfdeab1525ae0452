"""The generated sentence of a report, and the table row that supports it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Finding", "fmt_num", "join_names"]


@dataclass(frozen=True)
class Finding:
    """One sentence of a report's summary, with the evidence behind it.

    Attributes
    ----------
    text : str
        The sentence, generated from a table.
    table : str or None
        Name of the saved table it was computed from (``tables/<table>.csv``).
    row : mapping
        Column values that identify the supporting row of ``table`` (for example
        ``{"theme": "friendship", "group_a": "2020", "group_b": "2025"}``).
    supported : bool or None
        Whether that row says the difference is supported by the stated test; a sentence
        may use a comparative word (:data:`analysis.evidence.COMPARATIVE_WORDS`) only when
        True. None for sentences that compare nothing.
    """

    text: str
    table: str | None = None
    row: Mapping = field(default_factory=dict)
    supported: bool | None = None

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "table": self.table,
            "row": {str(k): v for k, v in self.row.items()},
            "supported": self.supported,
        }


def fmt_num(x: float, digits: int = 1) -> str:
    """``1234.5`` -> ``"1,234.5"``; NaN -> ``"n/a"``."""
    if x != x:  # NaN
        return "n/a"
    return f"{x:,.{digits}f}"


def join_names(names, *, limit: int = 5) -> str:
    """``a, b and c``; more than ``limit`` names end with ``and N others``."""
    names = [str(n) for n in names]
    if len(names) > limit:
        rest = len(names) - limit
        names = [*names[:limit], f"{rest} other{'s' if rest > 1 else ''}"]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
