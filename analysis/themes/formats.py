"""Existing dictionaries in, ours out: quanteda YAML, LIWC ``.dic`` and Lexicoder files.

:func:`~analysis.themes.codebook.load_themes` reads, besides the toolkit's own YAML
codebook, three formats that researchers already have dictionaries in, and
:meth:`Codebook.to_quanteda_yaml <analysis.themes.codebook.Codebook.to_quanteda_yaml>`
writes a codebook back as a quanteda dictionary. With ``format=None`` the format is
detected from the file:

* ``.dic``: LIWC (Pennebaker, Boyd, Jordan & Blackburn 2015, *The development and
  psychometric properties of LIWC2015*, University of Texas at Austin). A ``%`` line,
  the categories one per line (``number<TAB>name``), a second ``%`` line, then one word
  per line followed by the numbers of its categories (``word<TAB>1<TAB>31``).
* ``.lc3`` / ``.lcd``: Lexicoder 3 (Young & Soroka 2012, "Affective news: the automated
  coding of sentiment in political texts", *Political Communication* 29(2)). A
  ``+category`` line, then that category's entries one per line, then the next
  ``+category``. Lexicoder 3 may follow the name with a display colour
  (``+negative#AA0000``); the colour is dropped. Lexicoder 2 ``.lcd`` files are XML (the
  Yoshikoder format) and are refused with a message saying to save them from Lexicoder 3.
* ``.yml`` / ``.yaml``: the toolkit's codebook when the top level has ``themes:`` (or
  one of its other top-level keys ``name``, ``description``, ``sources``, or a list of
  mappings under any key, i.e. a misspelt ``themes:``); otherwise a
  quanteda dictionary (Benoit et al. 2018, "quanteda: An R package for the quantitative
  analysis of textual data", *Journal of Open Source Software* 3(30)): a mapping of keys
  to lists of values or to nested mappings, as written by quanteda's ``as.yaml`` and read
  by ``dictionary(file = ..., format = "YAML")``.
* another extension: by content (a first line ``%`` is LIWC, ``+name`` is Lexicoder,
  anything else is YAML).

``format=`` (``"analysis"``, ``"quanteda"``, ``"liwc"``, ``"lexicoder"``) overrides the
detection.

Mapping onto a codebook
-----------------------
Each category (key) becomes a :class:`~analysis.themes.codebook.Theme`. Its id is the
category name folded to ASCII (accents dropped), lower-cased, every run of characters
other than ``a-z``, ``0-9`` and ``_`` replaced by one ``_`` (trimmed at both ends), and
prefixed with ``theme_`` when it would not start with a letter: ``Positive Emotion`` is
``positive_emotion``. Two categories that give the same id are an error naming both
lines. The label is the category's name, the definition says where the theme came from
(``LIWC category 'posemo' (31) from liwc.dic``) and :attr:`Codebook.path` is the file.
A value listed twice in one category is kept once (as quanteda does); a category left
with no values is dropped with an :class:`~analysis.errors.InputWarning` naming it (as
quanteda does); a file with no values at all is an error. Every entry goes through the
same checks as in our YAML (no bare ``*``, no regular expressions), and an error names
its line.

=============================  =====================================  =======================================
Convention                     In the format                          Here
=============================  =====================================  =======================================
case                           quanteda lower-cases values; LIWC      matching is case-insensitive: same
                               and Lexicoder match case-insensitively
``*``                          any characters (all three)             ``*``: any run of word characters,
                                                                      possibly empty: the same on word tokens
``?`` (quanteda)               exactly one character                  no equivalent: an error naming the
                                                                      value and its line (write ``*`` or
                                                                      list the forms)
multi-word value               phrase (quanteda: ``"a b"``; LIWC      phrase: consecutive word tokens, the
                               2015 phrases; Lexicoder entries)       punctuation between them ignored
nested keys (quanteda)         ``parent`` / ``parent.child``          themes ``parent`` (the union of its
                                                                      children's values, what quanteda counts
                                                                      at ``levels = 1``) and ``parent_child``
                                                                      (label ``parent > child``), in file
                                                                      order, parent first
a word in several categories   counts in each (LIWC's design)         an entry of each theme: counts in each
LIWC conditional entries       ``like<TAB>(02 134)131/125 ...``,      the whole line is skipped, with one
                               ``<of>`` tags                          InputWarning listing the words and
                                                                      lines: they count in no theme
LIWC entries without letters   emoticons such as ``:)``               skipped with the same warning: they
                                                                      can never match a word token
LIWC category hierarchy        LIWC 2015 indents child categories;    ignored: each category is a theme
                               words list every level's number        with the words that list its number
LIWC undeclared number         quanteda ignores it                    an error naming the word and line
Lexicoder spaces               lines are trimmed                      leading and trailing spaces carry no
                                                                      meaning; inner spaces make a phrase
Lexicoder pre-processing       Lexicoder's own punctuation and        not applied: the tokenizer of
                               negation pre-processing scripts        :mod:`analysis.tokens` (Young & Soroka's
                                                                      negation rules are not reproduced)
exclusions, core (ours)        not in any of the three formats        not read; written by
                                                                      ``to_quanteda_yaml`` as YAML comments
                                                                      with an InputWarning that they are lost
=============================  =====================================  =======================================

Matching follows the rules of :mod:`analysis.themes` whatever the source format; in
particular a hit of a theme counts once per stretch of text, so two overlapping values
of one category (``abandon*`` and ``abandoned``) give one hit, where some programs
count both.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from pathlib import Path

from .._yaml import _read_text
from ..errors import AnalysisError, InputWarning
from ..validation import check_choice

__all__ = ["FORMATS", "detect_format", "read_liwc", "read_lexicoder", "write_quanteda_yaml"]

#: The values of ``format=`` in :func:`~analysis.themes.codebook.load_themes`.
FORMATS = ("analysis", "quanteda", "liwc", "lexicoder")

_EXTENSIONS = {".dic": "liwc", ".lc3": "lexicoder", ".lcd": "lexicoder"}
_YAML_EXTENSIONS = (".yml", ".yaml")
_OUR_TOP_KEYS = ("name", "description", "sources", "themes")
_STR_TAG = "tag:yaml.org,2002:str"
_COLOUR_RE = re.compile(r"#[0-9A-Fa-f]{3,8}$")


# ----------------------------------------------------------------------------- detection


def detect_format(path: Path, format: str | None) -> str:
    """The format of ``path``: ``format`` checked, or detected (see the module docstring).

    For a YAML file this returns ``"yaml"`` when ``format`` is None: the caller composes
    the file and tells ours from quanteda's with :func:`is_quanteda_node`.
    """
    if format is not None:
        return check_choice("format", format, FORMATS)
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix in _YAML_EXTENSIONS or not path.is_file():
        return "yaml"
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8-sig", errors="replace")
    except OSError:
        return "yaml"  # read_yaml names the problem
    first = next((line.strip() for line in head.splitlines() if line.strip()), "")
    if first == "%":
        return "liwc"
    if first.startswith("+"):
        return "lexicoder"
    return "yaml"


def is_quanteda_node(root) -> bool:
    """Whether a composed YAML document is a quanteda dictionary rather than our codebook.

    A non-empty mapping none of whose keys is one of our top-level keys (``name``,
    ``description``, ``sources``, ``themes``) and none of whose values is a list holding
    a mapping (a list of themes under a misspelt ``themes:``; quanteda values are text).
    Anything else is read as our codebook, so that its errors ("no 'themes:' list",
    "unknown key 'theme' (did you mean 'themes'?)") stay the ones a codebook author
    expects.
    """
    import yaml

    if not isinstance(root, yaml.MappingNode) or not root.value:
        return False
    keys = {k.value for k, _ in root.value if isinstance(k, yaml.ScalarNode)}
    themes_like = any(
        isinstance(v, yaml.SequenceNode) and any(isinstance(i, yaml.MappingNode) for i in v.value)
        for _, v in root.value
    )
    return not keys & set(_OUR_TOP_KEYS) and not themes_like


# ----------------------------------------------------------------------------- shared


def theme_id(name: str) -> str:
    """The theme id of a category name: ASCII, lower case, ``[a-z0-9_]``, a letter first."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    tid = re.sub(r"[^a-z0-9_]+", "_", ascii_name.lower())
    tid = re.sub(r"_+", "_", tid).strip("_")
    if not tid or not tid[0].isalpha():
        tid = f"theme_{tid}".rstrip("_")
    return tid


class _Builder:
    """Collects categories (in order) and their entries, then builds the Codebook."""

    def __init__(self, source: str, kind: str):
        self.source = source
        self.name = Path(source).name
        self.kind = kind
        self.order: list[str] = []
        self.label: dict[str, str] = {}
        self.what: dict[str, str] = {}
        self.line: dict[str, int] = {}
        self.entries: dict[str, dict[str, str]] = {}

    def category(self, tid: str, label: str, what: str, line: int) -> None:
        if tid in self.line:
            raise AnalysisError(
                f"{self.source}, line {line}: {self.kind} category {label!r} gives the theme "
                f"id {tid!r}, as does {self.label[tid]!r} on line {self.line[tid]}; rename one"
            )
        self.order.append(tid)
        self.label[tid] = label
        self.what[tid] = what
        self.line[tid] = line
        self.entries[tid] = {}

    def add(self, tid: str, entry: str, line: int) -> None:
        from .codebook import _check_entry

        entry = " ".join(entry.split())
        _check_entry(entry, f"{self.source}, line {line}", tid)
        self.entries[tid].setdefault(entry.lower(), entry)

    def build(self):
        from .codebook import Codebook, Theme

        empty = [t for t in self.order if not self.entries[t]]
        keep = [t for t in self.order if self.entries[t]]
        if not keep:
            raise AnalysisError(
                f"{self.source}: the {self.kind} file lists no entries; "
                "check that it is a dictionary in that format"
            )
        if empty:
            warnings.warn(
                f"{self.source}: {self.kind} categories with no entries are dropped: "
                + ", ".join(f"{self.label[t]!r} (line {self.line[t]})" for t in empty),
                InputWarning,
                stacklevel=4,
            )
        themes = tuple(
            Theme(
                t,
                self.label[t],
                f"{self.what[t]} from {self.name}",
                tuple(self.entries[t].values()),
            )
            for t in keep
        )
        return Codebook(
            themes, self.name, f"{self.kind} dictionary read from {self.name}", self.source
        )


def _lines(path: Path) -> list[tuple[int, str]]:
    """``(line number, stripped line)`` for the non-blank lines of a UTF-8 text file."""
    text = _read_text(path, "dictionary")
    return [(i, s) for i, line in enumerate(text.splitlines(), 1) if (s := line.strip())]


# ----------------------------------------------------------------------------- quanteda


def read_quanteda(root, source: str):
    """A :class:`Codebook` from a composed quanteda dictionary YAML document.

    Keys become themes, nested keys themes of their own (``parent_child``, label
    ``parent > child``) after their parent, whose entries are the union of its
    descendants' (quanteda's ``levels = 1``). A value is a list of text (or one text);
    ``?`` is refused (see the module docstring).
    """
    import yaml

    b = _Builder(source, "quanteda")

    def line_of(node) -> int:
        return node.start_mark.line + 1

    def walk(node, names: list[str], ids: list[str]) -> list[tuple[str, int]]:
        """Register the key at ``names``; return its values (with lines), descendants' too."""
        tid = "_".join(ids)
        label = " > ".join(names)
        key = ".".join(names)
        b.category(tid, label, f"quanteda dictionary key {key!r}", line_of(node))
        if isinstance(node, yaml.MappingNode):
            values: list[tuple[str, int]] = []
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode) or not knode.value.strip():
                    raise AnalysisError(
                        f"{source}, line {line_of(knode)}: a quanteda dictionary key must be "
                        "a name (text)"
                    )
                name = " ".join(knode.value.split())
                values += walk(vnode, [*names, name], [*ids, theme_id(name)])
        else:
            values = _values(node, key)
        for value, line in values:
            b.add(tid, value, line)
        return values

    def _values(node, key: str) -> list[tuple[str, int]]:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:null":
                return []
            items = [node]
        elif isinstance(node, yaml.SequenceNode):
            items = node.value
        else:
            items = []
        out = []
        for item in items:
            if not isinstance(item, yaml.ScalarNode) or item.tag != _STR_TAG:
                hint = (
                    "; a toolkit codebook needs a top-level 'themes:' list"
                    if isinstance(item, yaml.MappingNode)
                    else "; quote it"
                )
                raise AnalysisError(
                    f"{source}, line {line_of(item)}: each value of quanteda key {key!r} must "
                    f"be text{hint}"
                )
            value = " ".join(item.value.split())
            if "?" in value:
                raise AnalysisError(
                    f"{source}, line {line_of(item)}: quanteda key {key!r}: value {value!r} "
                    "uses the one-character wildcard '?', which has no equivalent here; "
                    "write '*' (any characters) or list the word forms"
                )
            out.append((value, line_of(item)))
        return out

    for knode, vnode in root.value:
        if not isinstance(knode, yaml.ScalarNode) or not knode.value.strip():
            raise AnalysisError(
                f"{source}, line {line_of(knode)}: a quanteda dictionary key must be a name"
            )
        name = " ".join(knode.value.split())
        walk(vnode, [name], [theme_id(name)])
    return b.build()


# ----------------------------------------------------------------------------- LIWC


_LIWC_CATEGORY_RE = re.compile(r"^(\d+)\s+(\S+)(?:\s+(.*))?$")


def read_liwc(path: str | Path):
    """A :class:`Codebook` from a LIWC 2007/2015 ``.dic`` file (see the module docstring).

    Raises
    ------
    AnalysisError
        Naming the line: no pair of ``%`` lines, text before the first ``%``, a category
        line that is not ``number name``, a repeated category number or theme id, a word
        line with no category numbers or with a number the header does not declare, an
        entry that is not a word, glob or phrase.
    """
    p = Path(path)
    source = str(p)
    lines = _lines(p)
    marks = [k for k, (_, s) in enumerate(lines) if s == "%"]
    if len(marks) < 2:
        raise AnalysisError(
            f"{source}: not a LIWC dictionary (no two '%' lines); a .dic file has a '%' line, "
            "the numbered categories, a '%' line, then the words"
        )
    if marks[0] != 0:
        n, s = lines[0]
        raise AnalysisError(
            f"{source}, line {n}: {s[:40]!r} comes before the first '%' line; a LIWC "
            "dictionary starts with '%'"
        )
    b = _Builder(source, "LIWC")
    number: dict[str, str] = {}
    for n, s in lines[1 : marks[1]]:
        m = _LIWC_CATEGORY_RE.match(s)
        if m is None:
            raise AnalysisError(
                f"{source}, line {n}: LIWC category line {s[:40]!r} is not 'number<TAB>name'"
            )
        num, name, extra = str(int(m.group(1))), m.group(2), m.group(3)
        if num in number:
            raise AnalysisError(
                f"{source}, line {n}: LIWC category number {m.group(1)} repeats; "
                "each category needs its own number"
            )
        what = f"LIWC category {name!r} ({num}"
        what += f", {extra.strip('()[] ')!r})" if extra else ")"
        tid = theme_id(name)
        b.category(tid, name, what, n)
        number[num] = tid
    skipped: list[str] = []
    for n, s in lines[marks[1] + 1 :]:
        if s == "%":
            raise AnalysisError(
                f"{source}, line {n}: a third '%' line; a LIWC dictionary has two, "
                "around the categories"
            )
        if "\t" in s:
            word, rest = s.split("\t", 1)
        else:
            m = re.match(r"^(.*?)((?:\s+\d+)+)$", s)
            word, rest = (m.group(1), m.group(2)) if m else (s.split(None, 1) + [""])[:2]
        word, cats = " ".join(word.split()), rest.split()
        if not cats:
            raise AnalysisError(
                f"{source}, line {n}: LIWC word {word!r} lists no category; add its category "
                "numbers after a tab"
            )
        if not all(c.isdigit() for c in cats) or "<" in word or not re.search(r"\w", word):
            skipped.append(f"{word!r} (line {n})")
            continue
        for c in cats:
            tid = number.get(str(int(c)))
            if tid is None:
                raise AnalysisError(
                    f"{source}, line {n}: LIWC word {word!r} lists category {c}, which the "
                    "category lines do not declare; declare it or remove the number"
                )
            b.add(tid, word, n)
    if skipped:
        warnings.warn(
            f"{source}: {len(skipped)} LIWC entries skipped, conditional (parentheses, "
            "'/', '<of>') or without letters, so they count in no theme: " + ", ".join(skipped),
            InputWarning,
            stacklevel=3,
        )
    return b.build()


# ----------------------------------------------------------------------------- Lexicoder


def read_lexicoder(path: str | Path):
    """A :class:`Codebook` from a Lexicoder 3 ``.lc3`` (or text ``.lcd``) file.

    Raises
    ------
    AnalysisError
        Naming the line: an XML (Lexicoder 2) file, an entry before the first
        ``+category`` line, a ``+`` with no name, two categories with the same theme id,
        an entry that is not a word, glob or phrase.
    """
    p = Path(path)
    source = str(p)
    lines = _lines(p)
    if lines and lines[0][1].startswith("<"):
        raise AnalysisError(
            f"{source}, line {lines[0][0]}: an XML (Lexicoder 2 / Yoshikoder) dictionary, "
            "which is not read; save it from Lexicoder 3 as .lc3 ('+category' lines)"
        )
    b = _Builder(source, "Lexicoder")
    current = None
    for n, s in lines:
        if s.startswith("+"):
            name = " ".join(_COLOUR_RE.sub("", s[1:]).split())
            if not name:
                raise AnalysisError(
                    f"{source}, line {n}: a '+' line with no category name; write '+name'"
                )
            current = theme_id(name)
            b.category(current, name, f"Lexicoder category {name!r}", n)
        elif current is None:
            raise AnalysisError(
                f"{source}, line {n}: entry {s[:40]!r} comes before the first '+category' "
                "line; start the file with '+name'"
            )
        else:
            b.add(current, s, n)
    return b.build()


# ----------------------------------------------------------------------------- writing


def _comment(text: str) -> str:
    return " ".join(str(text).split())


def write_quanteda_yaml(codebook, path: str | Path) -> Path:
    """Write ``codebook`` as quanteda dictionary YAML: one key per theme id, its entries.

    Labels, definitions, core and exclusions go into ``#`` comments (quanteda's format
    has no place for them); exclusions change what is counted, so when a theme has any
    an :class:`~analysis.errors.InputWarning` names the themes whose exclusions are lost.
    Reading the file back (:func:`~analysis.load_themes`) gives the same theme ids and
    entries.
    """
    import yaml

    if not isinstance(path, str | Path):
        raise AnalysisError(
            f"path must be text or a Path, not {type(path).__name__}; give the .yml file to write"
        )
    p = Path(path)
    out = [
        f"# quanteda dictionary written from the codebook {_comment(codebook.name or codebook.path or '')}",
        "# read in R with quanteda::dictionary(file = ..., format = 'YAML')",
    ]
    lost = []
    for t in codebook:
        out.append(f"# {t.id}: {_comment(t.label)}: {_comment(t.definition)}")
        if t.core:
            out.append(f"#   core (not in quanteda's format): {_comment(', '.join(t.core))}")
        if t.exclusions:
            lost.append(t.id)
            out.append(
                "#   exclusions (not in quanteda's format, lost): "
                + _comment(", ".join(t.exclusions))
            )
        out.append(
            yaml.safe_dump(
                {t.id: list(t.entries)},
                allow_unicode=True,
                default_flow_style=False,
                sort_keys=False,
                width=10**6,
            ).rstrip("\n")
        )
    if lost:
        warnings.warn(
            f"{p}: quanteda dictionaries have no exclusions; the exclusions of "
            f"{', '.join(lost)} are written as comments only and a reader counts those hits",
            InputWarning,
            stacklevel=3,
        )
    try:
        p.write_text("\n".join(out) + "\n", encoding="utf-8")
    except OSError as exc:
        raise AnalysisError(
            f"{p}: cannot write the dictionary ({exc.strerror}); check the path"
        ) from None
    return p
