"""Reading the user's YAML files (parameters, codebooks, cleaning rules) safely.

Every YAML file the toolkit reads goes through :func:`read_yaml`:

* the file is read as UTF-8 text, and an unreadable, missing or non-UTF-8 file is an
  :class:`~analysis.errors.AnalysisError` naming it;
* anchors and aliases (``&a`` / ``*a``) are refused before anything is built. They are
  never needed in a codebook or a parameters file, and an alias chain ("billion laughs")
  lets a few hundred bytes expand into gigabytes. The check walks the parser's event
  stream, which is linear in the file's size and expands nothing;
* a syntax error names the line, and so does nesting deeper than 100 levels.

:func:`did_you_mean` turns a misspelled key into a suggestion of the nearest valid one,
so a typo is an error that says how to fix it rather than a key silently ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from .errors import AnalysisError

__all__ = ["read_yaml", "did_you_mean"]


def did_you_mean(name: object, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""`` if none is close."""
    close = difflib.get_close_matches(str(name), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _read_text(path: Path, what: str) -> str:
    if not path.is_file():
        raise AnalysisError(f"{path}: {what} not found; check the path")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise AnalysisError(
            f"{path}: {what} cannot be read (permission denied); make it readable"
        ) from None
    except OSError as exc:
        raise AnalysisError(f"{path}: {what} cannot be read ({exc.strerror}); check it") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnalysisError(f"{path}: {what} is not UTF-8 text; re-save it as UTF-8") from None


def _syntax_error(source: str, exc: Exception) -> AnalysisError:
    mark = getattr(exc, "problem_mark", None)
    line = f", line {mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return AnalysisError(f"{source}{line}: not valid YAML ({problem}); fix the syntax")


# Deeper nesting is never needed; PyYAML's scanner is quadratic in the nesting depth
# ("[" * 3000 takes seconds) and its composer recursive (RecursionError near 500).
MAX_DEPTH = 100


def _refuse_aliases(text: str, source: str) -> None:
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1
                raise AnalysisError(
                    f"{source}, line {line}: YAML anchors and aliases (&name, *name) are not "
                    "allowed; write the value out in full"
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise AnalysisError(
                        f"{source}, line {event.start_mark.line + 1}: lists and mappings are "
                        f"nested more than {MAX_DEPTH} levels deep; flatten the file"
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        raise _syntax_error(source, exc) from None


def read_yaml(path: str | Path, *, what: str = "YAML file", compose: bool = False):
    """Read a YAML file with the checks in the module docstring.

    Parameters
    ----------
    path : str or Path
    what : str
        How the error messages name the file ("parameters file", "codebook").
    compose : bool, default False
        Return the node tree (``yaml.compose``, with line marks) instead of Python
        objects (``yaml.safe_load``).

    Returns
    -------
    object
        The loaded data (None for an empty file), or the root node with ``compose``.
    """
    import yaml

    p = Path(path)
    text = _read_text(p, what)
    _refuse_aliases(text, str(p))
    try:
        if compose:
            return yaml.compose(text, Loader=yaml.SafeLoader)
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _syntax_error(str(p), exc) from None
    except (ValueError, KeyError, AttributeError, TypeError):
        # an explicit tag the value does not fit (``!!int abc``, ``!!timestamp x``)
        # makes PyYAML's constructors raise plain Python errors
        raise AnalysisError(
            f"{p}: a value does not fit its explicit YAML tag (e.g. '!!int abc'); "
            "remove the '!!' tags and write plain values"
        ) from None
