"""The generated sentence of a report, and the table row that supports it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Finding", "fmt_num", "join_names", "findings_markdown", "show_findings"]


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


def findings_markdown(findings) -> str:
    """The findings as a Markdown bullet list, their text escaped (``*``, ``_``, ``|``...)."""
    import re

    def esc(text: str) -> str:
        return re.sub(r"([\\`*_{}\[\]<>#|~])", r"\\\1", text)

    return "\n".join(f"- {esc(f.text if isinstance(f, Finding) else str(f))}" for f in findings)


def show_findings(findings) -> None:
    """Display the findings in a notebook as a bullet list (plain text outside one)."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython ships with the notebook stack
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(Markdown(findings_markdown(findings)))
    else:
        for f in findings:
            print("-", f.text if isinstance(f, Finding) else f)
