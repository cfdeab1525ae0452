"""Removing page furniture from scraped text, rule by rule, with an audit.

The rules are data (``analysis/data/clean_rules.yml``): each has a name, a kind and a
regular expression, so another study extends them with a YAML file of its own instead
of changing code. :func:`clean_text` applies them to one text and reports every line it
removed; :func:`clean_audit` gives that report for a whole corpus as a tidy table.

Also here: the headline (a document's known title on its first line) is moved out of
the body. Near-duplicate detection moved to :mod:`analysis.duplicates`
(``analysis.clean.near_duplicates`` still works for one release, with a warning).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._arrays import ArrayMemo, arrow_array
from ._yaml import did_you_mean, read_yaml
from .errors import AnalysisError

__all__ = [
    "Rule",
    "Removal",
    "Cleaned",
    "load_rules",
    "clean_text",
    "clean_audit",
    "normalize_text",
]

KINDS = ("strip_prefix", "drop_line", "drop_block", "truncate")
_RULE_KEYS = {
    "name",
    "kind",
    "pattern",
    "description",
    "first_line_only",
    "min_lines",
    "block_requires",
    "after_fraction",
}

_SPACES = "\u00a0\u2007\u202f\u2000-\u2006\u2008-\u200a\u3000\t"
_INVISIBLES = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
_SPACE_RE = re.compile(f"[{_SPACES}]")
_INVISIBLE_RE = re.compile(f"[{_INVISIBLES}]")


@lru_cache(maxsize=1)
def _special_table() -> np.ndarray:
    """Boolean lookup over all code points: True for the characters :func:`normalize_text`
    replaces or removes (the exotic spaces and the invisible characters)."""
    table = np.zeros(0x110000, dtype=bool)
    bmp = "".join(map(chr, range(0x10000)))  # both classes lie in the BMP
    for rx in (_SPACE_RE, _INVISIBLE_RE):
        for m in rx.finditer(bmp):
            table[ord(m.group())] = True
    return table


def _has_special(text: str) -> bool:
    """Whether ``text`` holds a character of ``_SPACE_RE`` or ``_INVISIBLE_RE``.

    One table lookup per code point in numpy, about ten times faster than letting either
    regular expression scan the text; most texts hold none, and then neither runs."""
    if text.isascii():
        return "\t" in text
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return bool(_special_table()[cp].any())


#: Texts longer than this many characters are normalised in pieces of about this size
#: (:func:`normalize_text`).
_NORMALIZE_PIECE = 1 << 20
_LINE_END = re.compile("\n")


def normalize_text(text: str) -> str:
    """Unicode-normalise ``text``.

    NFC composition; CRLF and CR line ends become ``\\n``; non-breaking and other
    exotic spaces (and tabs) become plain spaces; byte-order marks, zero-width
    characters and soft hyphens are removed; trailing spaces go from every line a
    line end follows (the text's last line keeps its own).
    Each replacement runs only on texts that need it (checked with a table lookup).

    A text of more than a million characters is normalised in pieces that each end just
    after a ``\\n``, with the same result: no step reaches across a line end (NFC never
    composes across ``\\n``, a starter that composes with nothing, and a ``\\r\\n``
    stays in one piece), and a piece's last line is empty. Only the pieces that need a
    step then pay for it: the UN General Debate corpus as one file of 199 M characters
    took 11.4 s here, NFC alone 6.1 s, because one accented speech sends the whole text
    through NFC's slow path (benchmarks/README.md, "One text file of the whole corpus").
    """
    if len(text) <= _NORMALIZE_PIECE:
        return _normalize_piece(text)
    from .tokens import _pieces

    pieces = _pieces(text, _NORMALIZE_PIECE, _LINE_END, after=True)
    return "".join([_normalize_piece(piece) for piece in pieces])


def _normalize_piece(text: str) -> str:
    """:func:`normalize_text` of one text or piece, all at once."""
    import unicodedata

    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2028" in text:
        text = text.replace("\u2028", "\n")
    if _has_special(text):
        text = _SPACE_RE.sub(" ", text)
        text = _INVISIBLE_RE.sub("", text)
    if " \n" in text:
        text = _strip_trailing_spaces(text)
    return text


def _strip_trailing_spaces(text: str) -> str:
    """``text`` without the spaces (U+0020) that end a line, i.e. ``re.sub(r"[ ]+\n",
    "\n", text)``: every line but the last (which no ``\n`` follows) loses its trailing
    spaces. Splitting into lines is about five times faster than the regex, which tries
    a match at every space of the text (0.14 against 0.75 s on the 4,222 UN General
    Debate speeches that have such spaces)."""
    lines = text.split("\n")
    last = lines.pop()
    lines = [line.rstrip(" ") for line in lines]
    lines.append(last)
    return "\n".join(lines)


@dataclass(frozen=True)
class Rule:
    """One named cleaning rule. See ``analysis/data/clean_rules.yml`` for the kinds."""

    name: str
    kind: str
    pattern: str
    description: str = ""
    first_line_only: bool = False
    min_lines: int = 1
    block_requires: str | None = None
    after_fraction: float = 0.0
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    requires_regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise AnalysisError(f"cleaning rule {self.name!r}: name must be a non-empty string")
        if not isinstance(self.pattern, str):
            raise AnalysisError(
                f"cleaning rule {self.name!r}: pattern must be a string (quote it in YAML)"
            )
        if not isinstance(self.first_line_only, bool):
            raise AnalysisError(
                f"cleaning rule {self.name!r}: first_line_only must be true or false"
            )
        if (
            isinstance(self.min_lines, bool)
            or not isinstance(self.min_lines, int)
            or self.min_lines < 1
        ):
            raise AnalysisError(
                f"cleaning rule {self.name!r}: min_lines must be a whole number >= 1, not {self.min_lines!r}"
            )
        if (
            isinstance(self.after_fraction, bool)
            or not isinstance(self.after_fraction, int | float)
            or not 0 <= self.after_fraction <= 1
        ):
            raise AnalysisError(
                f"cleaning rule {self.name!r}: after_fraction must be a number from 0 to 1, not {self.after_fraction!r}"
            )
        if self.kind not in KINDS:
            raise AnalysisError(
                f"cleaning rule {self.name!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}"
                + did_you_mean(self.kind, KINDS)
            )
        if self.block_requires is not None and not isinstance(self.block_requires, str):
            raise AnalysisError(
                f"cleaning rule {self.name!r}: block_requires must be a string (quote it in YAML)"
            )
        rx = _compile(self.pattern, self.name, "pattern")
        req = (
            _compile(self.block_requires, self.name, "block_requires")
            if self.block_requires
            else None
        )
        for key, pattern in (("pattern", self.pattern), ("block_requires", self.block_requires)):
            nested = _nested_repeat(pattern) if pattern else None
            if nested is not None:
                inner, outer = nested
                raise AnalysisError(
                    f"cleaning rule {self.name!r}: {key} repeats {inner} inside the repeat "
                    f"{outer}, which can take exponential time on some lines; make the inner "
                    f"repeat possessive (e.g. \\s*+) or wrap it in an atomic group (?>...)"
                )
        object.__setattr__(self, "regex", rx)
        object.__setattr__(self, "requires_regex", req)


def _compile(pattern: str, rule: str, key: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        problem = str(exc).splitlines()[0]
    except (OverflowError, RecursionError, ValueError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    raise AnalysisError(
        f"cleaning rule {rule!r}: {'' if key == 'pattern' else key + ': '}invalid pattern "
        f"({problem}); fix the regular expression"
    )


# A repeat whose upper bound is above this counts as unbounded: (?:a*){0,1000} is as slow.
_UNBOUNDED = 100
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _render_item(op, av) -> str:
    """A short regex text for a repeated item, for error messages (not a full unparser)."""
    from re import _constants as c

    if op is c.LITERAL:
        return re.escape(chr(av))
    if op is c.ANY:
        return "."
    if op is c.IN:
        if len(av) == 1 and av[0][0] is c.CATEGORY:
            return _CATEGORIES.get(str(av[0][1]), "[...]")
        parts = []
        for iop, iav in av:
            if iop is c.NEGATE:
                parts.append("^")
            elif iop is c.LITERAL:
                parts.append(re.escape(chr(iav)))
            elif iop is c.RANGE:
                parts.append(f"{re.escape(chr(iav[0]))}-{re.escape(chr(iav[1]))}")
            elif iop is c.CATEGORY:
                parts.append(_CATEGORIES.get(str(iav), "..."))
            else:
                parts.append("...")
        return "[" + "".join(parts) + "]"
    return "(...)"


def _render_repeat(op, av) -> str:
    lo, hi, body = av
    items = list(body)
    text = _render_item(*items[0]) if len(items) == 1 else "(...)"
    if hi == _MAXREPEAT:
        quant = {0: "*", 1: "+"}.get(lo, f"{{{lo},}}")
    else:
        quant = "?" if (lo, hi) == (0, 1) else f"{{{lo},{hi}}}"
    from re import _constants as c

    return text + quant + ("?" if op is c.MIN_REPEAT else "")


_MAXREPEAT = re._constants.MAXREPEAT  # type: ignore[attr-defined]


def _nested_repeat(pattern: str) -> tuple[str, str] | None:
    r"""An unbounded repeat nested in another one, as ``(inner, outer)`` texts, or None.

    Backtracking regex engines such as Python's ``re`` can take time exponential in the
    line's length when a repeated group can match the same text in many ways, the classic
    case being a repeat inside a repeat (``(?:\s*[|]?\s*)*``, ``(a+)+``; Davis et al.
    2018, "The impact of regular expression denial of service (ReDoS) in practice",
    ESEC/FSE). This check walks the parsed pattern (``re._parser``) and reports an
    unbounded repeat (``*``, ``+``, ``{n,}`` or an upper bound above 100) inside another
    one, unless the inner or the outer repeat is possessive (``*+``, ``++``) or inside an
    atomic group ``(?>...)`` or a lookaround, where the engine never backtracks into it.
    A bounded repeat of variable length directly in an unbounded one is refused too when
    the rest of the repeated body can match nothing (``(?:\w{1,20}\s?)+``); with a
    required item beside it (``(?:ab{1,5})+``) each round is anchored and it is accepted.

    It is a guard against the common exponential cases, not a proof of linear time:
    overlapping alternatives under a repeat (``(?:a|ab)*``) or adjacent ambiguous repeats
    (``\s*\s*``, polynomial rather than exponential) are not detected. Rules run on one
    line at a time, which bounds the polynomial cases by the length of a line.
    """
    from re import _constants as c
    from re import _parser

    def walk(sub, outer: str | None) -> tuple[str, str] | None:
        for op, av in sub:
            found = None
            if op in (c.MAX_REPEAT, c.MIN_REPEAT):
                unbounded = av[1] == _MAXREPEAT or av[1] > _UNBOUNDED
                if unbounded and outer is not None:
                    return _render_repeat(op, av), outer
                if unbounded:
                    found = _loose_item(av[2], _render_repeat(op, av))
                found = found or walk(av[2], _render_repeat(op, av) if unbounded else outer)
            elif op is c.POSSESSIVE_REPEAT:
                found = walk(av[2], None)
            elif op is c.ATOMIC_GROUP:
                found = walk(av, None)
            elif op is c.SUBPATTERN:
                found = walk(av[3], outer)
            elif op is c.BRANCH:
                for branch in av[1]:
                    found = found or walk(branch, outer)
            elif op in (c.ASSERT, c.ASSERT_NOT):
                found = walk(av[1], None)
            elif op is c.GROUPREF_EXISTS:
                found = walk(av[1], outer) or (walk(av[2], outer) if av[2] else None)
            if found:
                return found
        return None

    def _loose_item(body, outer: str) -> tuple[str, str] | None:
        # a bounded repeat of variable length (``\w{1,20}``) in the body of an unbounded
        # one, when the rest of the body can match nothing: the outer repeat can then cut
        # a run of such characters into pieces in exponentially many ways
        items = list(body)
        if len(items) == 1 and items[0][0] is c.SUBPATTERN:
            items = list(items[0][1][3])
        for i, (op, av) in enumerate(items):
            if op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] != av[1] and av[1] > 1:
                rest = _parser.SubPattern(_parser.State(), items[:i] + items[i + 1 :])
                if rest.getwidth()[0] == 0:
                    return _render_repeat(op, av), outer
        return None

    try:
        return walk(_parser.parse(pattern), None)
    except RecursionError:  # re.compile accepted it, so this is only a safety net
        return "(...)", "(...) (groups nested too deeply to check)"


@dataclass(frozen=True)
class Removal:
    """One removal made by a rule: the 1-based line in the normalised raw text."""

    rule: str
    line: int
    chars: int
    text: str


@dataclass(frozen=True)
class Cleaned:
    text: str
    title: str | None
    removals: tuple[Removal, ...]

    @property
    def chars_removed(self) -> int:
        return sum(r.chars for r in self.removals)


def _rules_from_file(path: Path | str) -> list[Rule]:
    """The rules of one YAML file, read with :func:`analysis._yaml.read_yaml`.

    Anchors and aliases are refused; an unreadable, non-UTF-8 or malformed file, an
    unknown top-level key, an unknown rule key (with the nearest valid one suggested) or
    an invalid rule is a one-line :class:`AnalysisError` naming the file.
    """
    p = Path(path)
    try:
        data = read_yaml(p, what="cleaning rules file")
    except RecursionError:
        raise AnalysisError(
            f"{p}: cleaning rules file is nested too deeply to read; a rule is a flat mapping"
        ) from None
    items = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise AnalysisError(
            f"{p}: expected a top-level 'rules:' list; see analysis/data/clean_rules.yml"
        )
    extra = sorted(map(str, set(data) - {"rules"}))
    if extra:
        raise AnalysisError(
            f"{p}: unknown top-level key {extra[0]!r}{did_you_mean(extra[0], ['rules'])}; "
            "the file holds one 'rules:' list"
        )
    out = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not {"name", "kind", "pattern"} <= set(item):
            missing = (
                sorted({"name", "kind", "pattern"} - set(item)) if isinstance(item, dict) else []
            )
            hint = f" (missing {', '.join(missing)})" if missing else ""
            raise AnalysisError(f"{p}: rule {i} needs name, kind and pattern{hint}")
        unknown = sorted(map(str, set(item) - _RULE_KEYS))
        if unknown:
            raise AnalysisError(
                f"{p}: rule {item['name']!r} has unknown key {unknown[0]!r}"
                f"{did_you_mean(unknown[0], _RULE_KEYS)}; allowed: {', '.join(sorted(_RULE_KEYS))}"
            )
        try:
            out.append(Rule(**{k: item[k] for k in item}))
        except AnalysisError as exc:
            raise AnalysisError(f"{p}: {exc}") from None
    return out


@lru_cache(maxsize=1)
def _default_rules() -> tuple[Rule, ...]:
    path = resources.files("analysis") / "data" / "clean_rules.yml"
    return tuple(_rules_from_file(Path(str(path))))


def load_rules(rules: str | Path | Sequence[str | Path | Rule] | None = None) -> tuple[Rule, ...]:
    """Load cleaning rules.

    Parameters
    ----------
    rules : None, path, or list
        None or ``"default"``: the packaged rules. A path: the rules of that YAML file
        only. A list: the concatenation of its items, each ``"default"``, a path or a
        :class:`Rule` (e.g. ``["default", "extra_rules.yml"]`` extends the defaults).
        ``"none"`` or an empty list: no rules.

    Raises
    ------
    AnalysisError
        One line naming the file and rule: a file that is missing, unreadable, not
        UTF-8, not valid YAML or uses anchors/aliases; an unknown key (with the nearest
        valid one suggested); an invalid value or regular expression; a pattern with an
        unbounded repeat inside another (exponential backtracking, see
        :func:`_nested_repeat`); a rule name defined twice.
    """
    if rules is None or rules == "default":
        return _default_rules()
    if rules == "none":
        return ()
    if isinstance(rules, str | Path):
        return tuple(_rules_from_file(rules))
    out: list[Rule] = []
    for item in rules:
        if isinstance(item, Rule):
            out.append(item)
        else:
            out.extend(load_rules(item))
    names = [r.name for r in out]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise AnalysisError(
            f"cleaning rule {sorted(dupes)[0]!r} is defined twice; give each rule a unique name"
        )
    return tuple(out)


def _norm_title(s: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())


# "CGTN: <headline>", "Xinhua | <headline>", "Opinion - <headline>": a short outlet or
# section label, a separator, then the headline.
_LABELLED = re.compile(r"\s*[^:|]{1,40}?\s*(?::|\||\s[-–—]\s)\s*(?P<rest>.+)")


def _is_headline(line: str, title: str) -> bool:
    """``line`` is ``title`` (ignoring case and punctuation), possibly after a short label."""
    t = _norm_title(title)
    if not t:
        return False
    if _norm_title(line) == t:
        return True
    m = _LABELLED.fullmatch(line)
    return bool(m) and _norm_title(m.group("rest")) == t


@dataclass(frozen=True)
class _LineRun:
    """Consecutive ``drop_line`` rules tested in one pass over the lines: ``regex`` (their
    patterns as alternatives) fullmatches a line exactly when one of theirs does, so only
    such a line is tried rule by rule, in order. The same lines are dropped under the
    same rule names as by one pass per rule: a line leaves with the first rule that
    matches it, and no rule of the run changes a line's text."""

    regex: re.Pattern[str]
    rules: tuple[Rule, ...]


@lru_cache(maxsize=16)
def _steps(rules: tuple[Rule, ...]) -> tuple[Rule | _LineRun, ...]:
    """``rules`` with each run of two or more consecutive ``drop_line`` rules as one
    :class:`_LineRun`. A run whose patterns have capturing groups (a backreference would
    point at another alternative's group once joined) or do not join into one pattern
    (a global flag such as ``(?i)``, allowed only at the start) stays rule by rule."""
    steps: list[Rule | _LineRun] = []
    for is_line, group in itertools.groupby(rules, key=lambda r: r.kind == "drop_line"):
        run = tuple(group)
        joined = None
        if is_line and len(run) >= 2 and all(r.regex.groups == 0 for r in run):
            try:
                joined = re.compile("|".join(f"(?:{r.pattern})" for r in run))
            except (re.error, OverflowError, RecursionError, ValueError):
                pass
        steps.extend([_LineRun(joined, run)] if joined is not None else run)
    return tuple(steps)


def clean_text(
    text: str,
    *,
    rules: Sequence[Rule] | None = None,
    title: str | None = None,
    infer_title: bool = False,
) -> Cleaned:
    """Remove page furniture from one (already normalised) text.

    Parameters
    ----------
    text : str
        The text, with ``\\n`` line ends (see :func:`normalize_text`).
    rules : sequence of Rule, optional
        Defaults to :func:`load_rules` ``()``.
    title : str, optional
        The document's known headline. When the first remaining line equals it, ignoring
        case and punctuation, or is a short label, a separator (``:``, ``|``, `` - ``)
        and the headline, as in ``"CGTN: <headline>"``, that line is removed from the
        body (rule ``headline``). A body sentence that merely ends with the title's
        words stays.
    infer_title : bool, default False
        Without a known title, take the first line as the headline when it is short
        (at most 20 words) and does not end like a sentence (``.``, ``:``, ``,``).

    Returns
    -------
    Cleaned
        ``text`` (paragraphs separated by one blank line), ``title`` (the headline
        found or given) and ``removals``, one :class:`Removal` per removed line.

    Notes
    -----
    The text is cleaned as one block of lines by :class:`CleanStream`, which also
    cleans a text that comes block by block (a file too large to hold at once), with
    the same result.
    """
    stream = CleanStream(
        load_rules() if rules is None else rules,
        title=title,
        infer_title=infer_title,
        total_chars=len(text),
    )
    body = stream.feed(text.split("\n"), final=True)
    if not stream.paragraphs:  # one paragraph per line: make paragraphs explicit
        body = body.replace("\n", "\n\n")
    return Cleaned(text=body, title=stream.title, removals=stream.sorted_removals())


class _Lines:
    """Consecutive lines of a text being cleaned, the first being line ``base + 1``:
    each line's original text (``lines``), its text now (``current``: a
    ``strip_prefix`` rule shortens it), whether it is kept, and whether it is live
    (kept and not blank), as parallel lists."""

    __slots__ = ("base", "lines", "current", "keep", "live")

    def __init__(self, base: int, lines: list[str]) -> None:
        self.base = base
        self.lines = list(lines)  # its own list: lines that wait are extended in place
        self.current = list(lines)
        self.keep = [True] * len(lines)
        self.live = [bool(ln.strip()) for ln in lines]

    def __len__(self) -> int:
        return len(self.lines)

    def _part(self, a: int, b: int) -> _Lines:
        part = object.__new__(_Lines)
        part.base = self.base + a
        for name in ("lines", "current", "keep", "live"):
            setattr(part, name, getattr(self, name)[a:b])
        return part

    def split(self, k: int) -> tuple[_Lines, _Lines]:
        """The first ``k`` lines and the rest."""
        return self._part(0, k), self._part(k, len(self))

    def extend(self, more: _Lines) -> _Lines:
        """These lines followed by ``more`` (the lines right after them), in place."""
        for name in ("lines", "current", "keep", "live"):
            getattr(self, name).extend(getattr(more, name))
        return self

    def first_live(self) -> int | None:
        return next((i for i, ok in enumerate(self.live) if ok), None)

    def drop(self, i: int, rule: str, removals: list[Removal]) -> None:
        self.keep[i] = self.live[i] = False
        gone = self.current[i].strip()
        removals.append(Removal(rule, self.base + i + 1, len(gone), gone[:200]))


class _Step:
    """One rule (or a :class:`_LineRun`) applied to the lines in order, block by block.

    :meth:`apply` treats the lines of a block and returns how many of the first ones
    it is done with; the others wait for the next block (only ``drop_block`` waits, for
    a block of matching lines that may go on). No rule's decision on a line depends on
    a later line otherwise, and each step sees a line only after the steps before it
    are done with it, so the rules remove what they remove from the whole text at once.
    """

    def __init__(self, rule: Rule | _LineRun, total_chars: int) -> None:
        self.rule = rule
        self.total = max(total_chars, 1)
        self.waiting: _Lines | None = None
        self.scanned: tuple[int, list[int]] | None = None  # drop_block: how far a run is read
        self.offset = 0  # truncate: characters of the original lines before the block
        self.applied = False  # first_line_only: the first live line has been seen
        self.fired = False  # truncate: every line from here on goes

    def feed(self, part: _Lines, removals: list[Removal], final: bool) -> _Lines:
        """The lines of ``part`` (after those waiting) this step is done with.

        Lines that wait are extended in place and a run is read on from where it
        stopped, so a run that spans many blocks costs time in its length, once."""
        if self.waiting is not None:
            part, self.waiting = self.waiting.extend(part), None
        k = self.apply(part, removals, final)
        if k == 0 and len(part):  # all of it waits
            self.waiting = part
            return _Lines(part.base, [])
        if k < len(part):
            part, self.waiting = part.split(k)
        return part

    def apply(self, s: _Lines, removals: list[Removal], final: bool) -> int:
        rule = self.rule
        cur, keep, live = s.current, s.keep, s.live
        if isinstance(rule, _LineRun):
            fullmatch = rule.regex.fullmatch
            for i in [i for i, ln in enumerate(cur) if live[i] and fullmatch(ln)]:
                first = next(r for r in rule.rules if r.regex.fullmatch(cur[i]))
                s.drop(i, first.name, removals)
        elif rule.kind == "strip_prefix":
            if rule.first_line_only:
                first = None if self.applied else s.first_live()
                targets = [] if first is None else [first]
                self.applied = self.applied or first is not None
            else:
                targets = range(len(cur))
            for i in targets:
                if not keep[i]:
                    continue
                m = rule.regex.match(cur[i])
                if m and m.end() > 0:
                    gone = m.group(0).strip()
                    removals.append(Removal(rule.name, s.base + i + 1, len(gone), gone[:200]))
                    cur[i] = cur[i][m.end() :]
                    if not cur[i].strip():
                        keep[i] = live[i] = False
        elif rule.kind == "drop_line":
            fullmatch = rule.regex.fullmatch
            for i in [i for i, ln in enumerate(cur) if live[i] and fullmatch(ln)]:
                s.drop(i, rule.name, removals)
        elif rule.kind == "drop_block":
            return self._drop_blocks(s, removals, final)
        elif rule.kind == "truncate":
            self._truncate(s, removals)
        return len(s)

    def _drop_blocks(self, s: _Lines, removals: list[Removal], final: bool) -> int:
        """Drop each run of matching lines (blank lines inside it included) of at least
        ``min_lines`` live lines, one of which ``block_requires`` finds; a run that
        reaches the block's end waits for the next block, unless the text ends."""
        rule = self.rule
        fullmatch, cur, live, n = rule.regex.fullmatch, s.current, s.live, len(s)
        i = 0
        while i < n:
            if self.scanned is not None:  # a run that waited: go on where it stopped
                (j, block), self.scanned = self.scanned, None
            elif live[i] and fullmatch(cur[i]):
                j, block = i, []
            else:
                i += 1
                continue
            while j < n and (not live[j] or fullmatch(cur[j])):
                if live[j]:
                    block.append(j)
                j += 1
            if j == n and not final:
                self.scanned = (j - i, [b - i for b in block])
                return i
            req = rule.requires_regex
            if len(block) >= rule.min_lines and (
                req is None or any(req.search(cur[b]) for b in block)
            ):
                for b in block:
                    s.drop(b, rule.name, removals)
            i = j
        return n

    def _truncate(self, s: _Lines, removals: list[Removal]) -> None:
        """From the first live line that matches at or after ``after_fraction`` of the
        text's characters (of its original lines), drop every line to the end."""
        rule = self.rule
        fullmatch, cur, keep, live = rule.regex.fullmatch, s.current, s.keep, s.live
        start = 0 if self.fired else None
        if start is None:
            offset = self.offset
            for i, ln in enumerate(cur):
                if live[i] and offset / self.total >= rule.after_fraction and fullmatch(ln):
                    start = i
                    break
                offset += len(s.lines[i]) + 1
            self.offset = offset
        if start is None:
            return
        self.fired = True
        for k in range(start, len(cur)):
            if live[k]:
                s.drop(k, rule.name, removals)
            keep[k] = live[k] = False


class CleanStream:
    """:func:`clean_text` for a text that comes as blocks of lines, in order.

    ``feed`` takes the next lines (the text split at ``\\n``, a block at a time) and
    returns the body text they complete; the bodies of all blocks, concatenated, are
    the cleaned text, except that when :attr:`paragraphs` is false at the end (no blank
    line anywhere) every ``\\n`` of it becomes ``\\n\\n``, as :func:`clean_text` does.
    Then :attr:`title` and :meth:`sorted_removals` are those of :func:`clean_text` on
    the whole text: each rule sees a line only after the rules before it are done with
    it (see :class:`_Step`), the headline is the first line still live after them all,
    and the body is built as the whole text's would be (kept lines stripped, runs of
    blank lines made one, no blank line at either end).

    Memory is that of a block (and of a run of ``drop_block`` lines that spans blocks),
    not of the text; ``total_chars``, the length of the whole text, is needed up front
    by ``truncate`` rules (``after_fraction``).
    """

    def __init__(
        self,
        rules: Sequence[Rule],
        *,
        title: str | None = None,
        infer_title: bool = False,
        total_chars: int,
    ) -> None:
        self._steps = [_Step(rule, total_chars) for rule in _steps(tuple(rules))]
        self._given = title
        self._infer = infer_title
        self._headline_done = False
        self._found: str | None = None
        self._next_line = 0
        self._removals: list[Removal] = []
        self._started = False  # a non-blank line is in the body
        self._gap = False  # a blank line has been kept since the last non-blank one
        #: Whether the body so far has a blank line (separates paragraphs).
        self.paragraphs = False

    @property
    def title(self) -> str | None:
        """The headline found, else the one given."""
        return self._found or self._given

    def sorted_removals(self) -> tuple[Removal, ...]:
        """Every removal so far, by line (a line's in the order of the rules)."""
        return tuple(sorted(self._removals, key=lambda r: r.line))

    def feed(self, lines: list[str], *, final: bool = False) -> str:
        """The body text completed by the next ``lines`` (``final``: the text's last)."""
        part = _Lines(self._next_line, lines)
        self._next_line += len(lines)
        for step in self._steps:
            part = step.feed(part, self._removals, final)
        self._headline(part)
        return self._body(part)

    def _headline(self, s: _Lines) -> None:
        if self._headline_done:
            return
        i = s.first_live()
        if i is None:
            return
        self._headline_done = True
        first = s.current[i].strip()
        title = self._given
        if title and _is_headline(first, title):
            self._found = title
            s.drop(i, "headline", self._removals)
        elif (
            not title
            and self._infer
            and len(first.split()) <= 20
            and not first.endswith((".", ":", ",", ";"))
        ):
            self._found = first
            s.drop(i, "headline", self._removals)

    def _body(self, s: _Lines) -> str:
        """The kept lines of ``s``, stripped, joined with ``\\n`` after what came
        before, a run of blank lines as one, none at the start."""
        parts = [c.strip() for c, k in zip(s.current, s.keep, strict=True) if k]
        a = next((i for i, p in enumerate(parts) if p), None)
        if a is None:
            self._gap = self._gap or bool(parts)
            return ""
        b = len(parts) - next(i for i, p in enumerate(reversed(parts)) if p)
        text = "\n".join(parts[a:b])
        if "\n\n\n" in text:
            text = _BLANK_RUN.sub("\n\n", text)
        if self._started:
            text = ("\n\n" if self._gap or a > 0 else "\n") + text
        # stripped non-blank lines hold no "\n": "\n\n" is a blank line, as r"\n\s*\n"
        self.paragraphs = self.paragraphs or "\n\n" in text
        self._started = True
        self._gap = b < len(parts)
        return text


_BLANK_RUN = re.compile(r"\n{3,}")


def clean_audit(
    corpus: pd.DataFrame,
    *,
    rules: Sequence[Rule] | str | Path | None = None,
    n_jobs: int | None = None,
    client: Any = None,
) -> pd.DataFrame:
    """The cleaning audit of a corpus: one row per removed line (or prefix).

    Re-runs :func:`clean_text` on ``raw_text`` (cleaning is a pure function of the text,
    the rules and the title, so the audit is exactly what :func:`read_corpus` did). A
    corpus loaded by :func:`analysis.cached_corpus` is not cleaned again: its entry holds
    the removals the loader made, which are returned as long as the frame keeps the very
    ``raw_text``, ``doc_id`` and ``title`` columns it was loaded with (a copy does; a
    filtered, sorted or edited frame, or other rules, are audited afresh). The table is
    the same either way (tested).

    Pass the ``rules`` you gave :func:`read_corpus` (explicit is safer: pandas
    operations may drop ``DataFrame.attrs``). Without ``rules``, the rules kept in
    ``corpus.attrs["clean_rules"]`` by :func:`read_corpus` are re-applied (for one more
    release; that attribute then goes), else the packaged defaults.

    ``n_jobs`` processes (forked, Linux only; default: all cores above 20 million
    characters) share the documents; the table does not depend on it.

    A Dask corpus (``read_corpus(path, engine="dask")``), or a pandas corpus given with
    ``client``, is audited partition by partition in the Dask workers with this same
    function (one process each) and the rows gathered in corpus order: the same table
    as the in-memory audit of the computed corpus. Without ``rules`` the rules kept by
    the Dask loader are re-applied.

    Parameters
    ----------
    corpus : DataFrame or dask.dataframe.DataFrame
        A corpus from :func:`analysis.read_corpus` (needs ``raw_text``).
    rules : optional
        The cleaning rules given to :func:`analysis.read_corpus`.
    n_jobs : int, optional
        Processes of the in-memory audit.
    client : distributed.Client, optional
        The Dask cluster that audits a Dask corpus (default: Dask's default client, else
        its local scheduler); given with a pandas corpus, that corpus is split into
        partitions and audited there.

    Returns
    -------
    DataFrame
        Columns ``doc_id, rule, line, chars, text``, ordered by document and line.
    """
    from .distributed._client import is_dask_frame

    if client is not None or is_dask_frame(corpus):
        from .distributed.corpus import clean_audit as audit_partitioned

        return audit_partitioned(corpus, rules=rules, client=client)
    if "raw_text" not in corpus.columns:
        raise AnalysisError("corpus has no raw_text column; load it with analysis.read_corpus")
    if rules is None and "clean_rules" in corpus.attrs:
        rules = tuple(corpus.attrs["clean_rules"])
    ruleset = (
        load_rules(rules)
        if not (isinstance(rules, tuple) and all(isinstance(r, Rule) for r in rules))
        else rules
    )
    from . import _parallel
    from .tokens import _chunk_bounds, _resolve_jobs

    titles = corpus["title"] if "title" in corpus.columns else pd.Series([None] * len(corpus))
    sizes = corpus["raw_text"].str.len().fillna(0).to_numpy(dtype=np.int64)
    jobs = _resolve_jobs(n_jobs, int(sizes.sum()))
    known = _known_audit(corpus, ruleset)
    if known is not None:  # stored with the cache entry these very texts were loaded from
        return known
    # chunks of about _AUDIT_CHARS characters, also in one process: a chunk's texts are
    # made Python strings, so the whole corpus at once held them all (the UN General
    # Debate's 0.2 GB of text kept 0.34 GB more resident after the audit)
    n_chunks = max(4 * jobs if jobs > 1 else 1, int(sizes.sum()) // _AUDIT_CHARS)
    bounds = _chunk_bounds(sizes, n_chunks) if len(corpus) else []
    rows: list[tuple] = []
    with _parallel.shared(
        ids=corpus["doc_id"], raw=corpus["raw_text"], titles=titles, rules=ruleset
    ):
        for part in _parallel.fork_map(_audit_chunk, bounds, jobs=jobs):
            rows.extend(part)
    return audit_frame(rows)


#: The columns of :func:`clean_audit`.
AUDIT_COLUMNS = ("doc_id", "rule", "line", "chars", "text")


def audit_frame(rows: list[tuple]) -> pd.DataFrame:
    """The :func:`clean_audit` table of ``rows`` (``(doc_id, rule, line, chars, text)``
    tuples in document and line order), built one way wherever it comes from."""
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


#: The audit tables :func:`remember_audit` was told of, for the very ``raw_text``,
#: ``doc_id`` and ``title`` arrays of a corpus: ``(the rules, a function giving the table
#: or None)``.
_KNOWN = ArrayMemo()


def _audit_inputs(corpus: pd.DataFrame) -> list | None:
    """The Arrow arrays of the columns a cleaning audit reads, ``raw_text``, ``doc_id``
    and ``title``, or None when one is missing or not held in Arrow (see
    :mod:`analysis._arrays`: a copy of the frame keeps them, a filtered, sorted or edited
    one does not)."""
    arrays = []
    for name in ("raw_text", "doc_id", "title"):
        values = arrow_array(corpus[name]) if name in corpus.columns else None
        if values is None:
            return None
        arrays.append(values)
    return arrays


def remember_audit(
    corpus: pd.DataFrame, *, rules: Sequence[Rule], read: Callable[[], pd.DataFrame | None]
) -> None:
    """Tell :func:`clean_audit` that the audit of ``corpus`` under ``rules`` is ``read()``
    (None when it cannot be read: the audit is then computed), as long as the corpus
    keeps the very arrays of its ``raw_text``, ``doc_id`` and ``title`` columns.

    The corpus cache calls this for a corpus it loads: the audit was stored with the
    entry when the loader read the corpus (from its own cleaning), so auditing the
    corpus reads it instead of cleaning every text again (4 s for the UN General
    Debate's 10,952 speeches).
    """
    arrays = _audit_inputs(corpus)
    if arrays is not None:
        _KNOWN.put(arrays, (tuple(rules), read))


def _known_audit(corpus: pd.DataFrame, rules: Sequence[Rule]) -> pd.DataFrame | None:
    """The audit :func:`remember_audit` recorded for ``corpus``'s very ``raw_text``,
    ``doc_id`` and ``title`` arrays under the same ``rules``, or None."""
    arrays = _audit_inputs(corpus)
    known = _KNOWN.get(arrays) if arrays is not None else None
    if known is None:
        return None
    recorded, read = known
    if tuple(rules) != recorded:
        return None
    return read()


#: Characters of raw text per chunk of :func:`clean_audit` (what is held as Python strings).
_AUDIT_CHARS = 4_000_000


def _audit_chunk(bounds: tuple[int, int]) -> list[tuple]:
    """The removals of documents ``lo:hi`` of the corpus being audited (a worker's share)."""
    from . import _parallel

    lo, hi = bounds
    job = _parallel.STATE
    rows = []
    for doc_id, raw, title in zip(
        job["ids"].iloc[lo:hi].tolist(),
        job["raw"].iloc[lo:hi].tolist(),
        job["titles"].iloc[lo:hi].tolist(),
        strict=True,
    ):
        t = title if isinstance(title, str) and title.strip() else None
        for r in clean_text(raw, rules=job["rules"], title=t).removals:
            rows.append((doc_id, r.rule, r.line, r.chars, r.text))
    return rows


_MOVED = {"near_duplicates", "ShingleSketcher"}


def __getattr__(name: str):
    """``near_duplicates`` and ``ShingleSketcher`` moved to :mod:`analysis.duplicates`."""
    if name in _MOVED:
        import warnings

        from . import duplicates

        warnings.warn(
            f"analysis.clean.{name} moved to analysis.duplicates.{name}; import it from there "
            "(the old place goes in the next release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(duplicates, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
