"""Theme codebooks: :class:`Theme`, :class:`Codebook` and the YAML loader :func:`load_themes`.

The entry syntax (words, ``*`` globs, phrases, exclusions) and how entries match text
are described in :mod:`analysis.themes`; this module only reads and checks codebooks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._yaml import did_you_mean, read_yaml
from ..errors import AnalysisError

__all__ = [
    "Theme", "Codebook", "load_themes", "as_codebook", "entry_tokens", "focus_themes",
    "NO_CODEBOOK",
]  # fmt: skip

#: The error of every function given no codebook: the package ships none, a study brings
#: its own (a codebook is a study's instrument, not a property of the toolkit).
NO_CODEBOOK = (
    "a codebook is required: give the path of a YAML codebook (e.g. "
    "examples/ungdc-sample/themes.yml) or a Codebook from analysis.load_themes(path)"
)

_ENTRY_TOKEN_RE = re.compile(r"[\w*]+")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_THEME_KEYS = ("id", "label", "definition", "entries", "core", "exclusions", "sources")
_REQUIRED_THEME_KEYS = ("id", "label", "definition", "entries")
_TOP_KEYS = ("name", "description", "sources", "themes")
_STR_TAG = "tag:yaml.org,2002:str"

# ----------------------------------------------------------------------------- codebook


@dataclass(frozen=True)
class Theme:
    """One theme of a codebook: see the module docstring for the entry syntax."""

    id: str
    label: str
    definition: str
    entries: tuple[str, ...]
    exclusions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    core: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A Theme built in Python gets the entry checks of load_themes, so that no
        # codebook, however it was made, holds an entry that matches every word.
        if not isinstance(self.id, str) or not self.id:
            raise AnalysisError(f"theme id {self.id!r} must be non-empty text")
        for key, allow_empty in (
            ("entries", False), ("exclusions", True), ("sources", True), ("core", True),
        ):  # fmt: skip
            items = getattr(self, key)
            if isinstance(items, str) or not isinstance(items, Sequence):
                raise AnalysisError(
                    f"theme {self.id!r}: {key} must be a list or tuple of text, "
                    f"not {type(items).__name__}"
                )
            items = tuple(items)
            if not items and not allow_empty:
                raise AnalysisError(f"theme {self.id!r}: {key} is empty; list at least one")
            for item in items:
                if not isinstance(item, str):
                    raise AnalysisError(
                        f"theme {self.id!r}: each item of {key} must be text, not {item!r}"
                    )
                if key in ("entries", "exclusions"):
                    _check_entry(item, "codebook", self.id)
            object.__setattr__(self, key, items)
        wrong = _not_entries(self.core, self.entries)
        if wrong:
            raise AnalysisError(
                f"theme {self.id!r}: core item {wrong!r} is not one of its entries; "
                f"core lists entries of the theme ({', '.join(self.entries)})"
            )

    def is_core(self, entry: str) -> bool:
        """Whether ``entry`` (one of :attr:`entries`) is in the theme's :attr:`core`."""
        return " ".join(entry.lower().split()) in {" ".join(c.lower().split()) for c in self.core}


@dataclass(frozen=True)
class Codebook:
    """An ordered collection of :class:`Theme` objects loaded by :func:`load_themes`."""

    themes: tuple[Theme, ...]
    name: str = ""
    description: str = ""
    path: str | None = None
    sources: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        themes = self.themes
        if isinstance(themes, Theme) or not isinstance(themes, Sequence):
            raise AnalysisError("Codebook themes must be a list or tuple of Theme objects")
        themes = tuple(themes)
        if not themes:
            raise AnalysisError("a codebook needs at least one theme")
        seen: set[str] = set()
        for t in themes:
            if not isinstance(t, Theme):
                raise AnalysisError(f"Codebook themes must be Theme objects, not {t!r}")
            if t.id in seen:
                raise AnalysisError(
                    f"theme id {t.id!r} repeats in the codebook; ids must be unique"
                )
            seen.add(t.id)
        object.__setattr__(self, "themes", themes)

    def __len__(self) -> int:
        return len(self.themes)

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def __getitem__(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        hint = did_you_mean(theme_id, self.ids) if isinstance(theme_id, str) else ""
        raise AnalysisError(
            f"codebook has no theme {theme_id!r}{hint}; its themes are {', '.join(self.ids)}"
        )

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def select(self, ids: Sequence[str]) -> Codebook:
        """A codebook with only the themes ``ids``, in that order."""
        return Codebook(
            tuple(self[i] for i in ids), self.name, self.description, self.path, self.sources
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, one row per entry or exclusion: ``theme, label, kind, entry, core``.

        ``core`` is True for an entry listed in its theme's ``core`` (always False for
        exclusions and for themes that declare no core).
        """
        rows = [
            (t.id, t.label, kind, e, kind == "entry" and t.is_core(e))
            for t in self.themes
            for kind, items in (("entry", t.entries), ("exclusion", t.exclusions))
            for e in items
        ]
        return pd.DataFrame(rows, columns=["theme", "label", "kind", "entry", "core"])

    def to_quanteda_yaml(self, path: str | Path) -> Path:
        """Write the codebook as a quanteda dictionary YAML file; return its path.

        One key per theme id with its entries, readable by quanteda's
        ``dictionary(file = path, format = "YAML")`` and by :func:`load_themes` (same ids
        and entries). Labels, definitions and core entries become ``#`` comments;
        exclusions cannot be represented in quanteda's format: they are written as a
        comment and an :class:`~analysis.errors.InputWarning` says they are lost. See
        :mod:`analysis.themes.formats`.
        """
        from .formats import write_quanteda_yaml

        return write_quanteda_yaml(self, path)

    def __repr__(self) -> str:
        return (
            f"<Codebook {self.name or self.path or ''}: {len(self)} themes ({', '.join(self.ids)})>"
        )


def _where(source: str, node) -> str:
    return f"{source}, line {node.start_mark.line + 1}"


def _scalar(node, source: str, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR_TAG:
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
        if isinstance(node, yaml.ScalarNode):
            kind = f"{node.value!r} (not text)"
        raise AnalysisError(f"{_where(source, node)}: {what} must be text, got {kind}; quote it")
    value = " ".join(node.value.split())
    if not value:
        raise AnalysisError(f"{_where(source, node)}: {what} is empty; fill it in")
    return value


def _string_list(node, source: str, what: str, *, allow_empty: bool) -> tuple[str, ...]:
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        items: list = []
    elif not isinstance(node, yaml.SequenceNode):
        raise AnalysisError(
            f"{_where(source, node)}: {what} must be a list (one '- item' per line)"
        )
    else:
        items = node.value
    if not items and not allow_empty:
        raise AnalysisError(f"{_where(source, node)}: {what} is empty; list at least one")
    out: list[str] = []
    for item in items:
        value = _scalar(item, source, f"each item of {what}")
        if value.lower() in (o.lower() for o in out):
            raise AnalysisError(f"{_where(source, item)}: {what} lists {value!r} twice; drop one")
        out.append(value)
    return tuple(out)


def _mapping(node, source: str, what: str, allowed: Sequence[str]) -> dict:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise AnalysisError(f"{_where(source, node)}: {what} must be a mapping of key: value")
    out = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in allowed:
            hint = did_you_mean(key, allowed) if isinstance(key, str) else ""
            raise AnalysisError(
                f"{_where(source, key_node)}: unknown key {key!r} in {what}{hint}; "
                f"allowed keys are {', '.join(allowed)}"
            )
        if key in out:
            raise AnalysisError(f"{_where(source, key_node)}: key {key!r} repeats in {what}")
        out[key] = (key_node, value_node)
    return out


def _check_entry(entry: str, where: str, theme: str) -> None:
    """Refuse an entry that is not a word, glob or phrase, or that could match any word.

    A token made only of ``*`` matches every word: alone (``*``, ``**``), at either end
    of a phrase (``war **``, ``* war``), or as every token of a phrase (``* *``,
    ``*-*``). Inside a phrase a single ``*`` is the one-word wildcard and stays allowed
    (``a * b``); ``**`` there is refused as a typo of it. So every accepted entry has a
    first and a last token with at least one word character, and a hit needs words that
    contain those characters.
    """
    toks = entry_tokens(entry)
    if not toks:
        raise AnalysisError(
            f"{where}: theme {theme!r}: entry {entry!r} has no word characters; remove it"
        )
    bare = next((t for t in (toks[0], toks[-1]) if set(t) == {"*"}), None)
    if bare is not None:
        raise AnalysisError(
            f"{where}: theme {theme!r}: entry {entry!r} starts or ends with the bare wildcard "
            f"{bare!r}, which would match any word; attach the '*' to a word stem "
            "(e.g. 'multilateral*')"
        )
    stars = next((t for t in toks if len(t) > 1 and set(t) == {"*"}), None)
    if stars is not None:
        raise AnalysisError(
            f"{where}: theme {theme!r}: entry {entry!r} has the token {stars!r}; inside a "
            "phrase a single '*' stands for any one word, otherwise attach the '*' to a word "
            "stem (e.g. 'multilateral*')"
        )
    if re.search(r"[^\w*\s\-'’./,&]", entry):
        bad = re.search(r"[^\w*\s\-'’./,&]", entry).group(0)
        raise AnalysisError(
            f"{where}: theme {theme!r}: entry {entry!r} contains {bad!r}; entries are words, "
            "'*' globs and phrases, not regular expressions"
        )


def load_themes(path: str | Path | None = None, *, format: str | None = None) -> Codebook:
    """Load a theme codebook from our YAML, or a quanteda, LIWC or Lexicoder dictionary.

    The package ships no codebook: a codebook is a study's instrument, so a study keeps
    it next to its corpus (``examples/ungdc-sample/themes.yml``) and gives its path.

    The file is a mapping with ``themes`` (a list) and optional ``name``,
    ``description`` and ``sources``. Each theme is a mapping with ``id`` (lower-case
    letters, digits, ``_``), ``label``, ``definition``, ``entries`` (a non-empty list)
    and optional ``core``, ``exclusions`` and ``sources`` (lists). All values are text.

    ``core`` lists the entries that *are* the theme's concept (for a multilateralism
    theme, ``multilateral*``), as opposed to related entries that only point to it
    (``multipolar*``, ``security council``). Each core item must be one of the theme's
    entries. :func:`~analysis.theme_contributions` marks core entries, and the report
    flags a theme whose hits come mostly from entries outside its core: such a rate
    measures the related vocabulary, not the concept (the validity question of
    dictionary methods; Grimmer & Stewart 2013, section 5.1).

    Dictionaries in other formats (quanteda's YAML, LIWC ``.dic``, Lexicoder ``.lc3``)
    are read into the same :class:`Codebook`, one theme per category; how their
    conventions map onto ours, and where they differ, is in
    :mod:`analysis.themes.formats`.

    Parameters
    ----------
    path : str or Path
        The codebook or dictionary file. None is an error (there is no default codebook).
    format : {"analysis", "quanteda", "liwc", "lexicoder"}, optional
        The file's format; None detects it from the extension (``.dic``: LIWC,
        ``.lc3``/``.lcd``: Lexicoder, ``.yml``/``.yaml``: ours when the top level has
        ``themes:``, else quanteda's) or, for another extension, from the first line.

    Raises
    ------
    AnalysisError
        Naming the line (and theme) of the problem: a YAML syntax error, an unknown or
        repeated key, a missing key, an empty theme, a value of the wrong type, a
        repeated theme id or entry, an entry that is not a word, glob or phrase, a core
        item that is not an entry of its theme; or no ``path`` at all. An unknown
        ``format``; for the other formats, the errors listed in
        :mod:`analysis.themes.formats`.
    """
    import yaml

    from . import formats

    if path is None:
        raise AnalysisError(NO_CODEBOOK)
    if not isinstance(path, str | Path):
        raise AnalysisError(
            f"codebook path must be text or a Path, not {type(path).__name__}; {NO_CODEBOOK}"
        )
    p = Path(path)
    source = str(p)
    fmt = formats.detect_format(p, format)
    if fmt == "liwc":
        return formats.read_liwc(p)
    if fmt == "lexicoder":
        return formats.read_lexicoder(p)
    try:
        root = read_yaml(p, what="codebook", compose=True)
    except RecursionError:
        raise AnalysisError(
            f"{source}: codebook is nested too deeply to read; a theme is a flat mapping"
        ) from None
    if fmt == "quanteda" or (fmt == "yaml" and formats.is_quanteda_node(root)):
        if not isinstance(root, yaml.MappingNode) or not root.value:
            raise AnalysisError(
                f"{source}: a quanteda dictionary is a mapping of keys to lists of values; "
                "the file has none"
            )
        return formats.read_quanteda(root, source)
    if root is None:
        raise AnalysisError(f"{source}: the file is empty; write a 'themes:' list")
    top = _mapping(root, source, "the codebook", _TOP_KEYS)
    if "themes" not in top:
        raise AnalysisError(f"{_where(source, root)}: no 'themes:' list; add one")
    themes_node = top["themes"][1]
    if not isinstance(themes_node, yaml.SequenceNode) or not themes_node.value:
        raise AnalysisError(
            f"{_where(source, themes_node)}: 'themes' must be a non-empty list of themes"
        )
    themes: list[Theme] = []
    seen: dict[str, int] = {}
    for i, tnode in enumerate(themes_node.value, start=1):
        where = _where(source, tnode)
        fields = _mapping(tnode, source, f"theme #{i}", _THEME_KEYS)
        if "id" not in fields:
            raise AnalysisError(f"{where}: theme #{i} has no 'id'; add one")
        tid = _scalar(fields["id"][1], source, f"the id of theme #{i}")
        if not _ID_RE.match(tid):
            raise AnalysisError(
                f"{_where(source, fields['id'][1])}: theme id {tid!r} must be lower-case "
                "letters, digits and '_', starting with a letter"
            )
        if tid in seen:
            raise AnalysisError(
                f"{_where(source, fields['id'][1])}: theme id {tid!r} repeats line {seen[tid]}; ids must be unique"
            )
        seen[tid] = fields["id"][1].start_mark.line + 1
        for key in _REQUIRED_THEME_KEYS:
            if key not in fields:
                raise AnalysisError(f"{where}: theme {tid!r} has no {key!r}; add it")
        label = _scalar(fields["label"][1], source, f"theme {tid!r}: label")
        definition = _scalar(fields["definition"][1], source, f"theme {tid!r}: definition")
        entries = _string_list(
            fields["entries"][1], source, f"theme {tid!r}: entries", allow_empty=False
        )
        exclusions = sources = core = ()
        if "core" in fields:
            core = _string_list(fields["core"][1], source, f"theme {tid!r}: core", allow_empty=True)
            for node, item in zip(fields["core"][1].value or (), core, strict=False):
                if _not_entries((item,), entries):
                    raise AnalysisError(
                        f"{_where(source, node)}: theme {tid!r}: core item {item!r} is not one "
                        f"of its entries ({', '.join(entries)}); list it under entries too"
                    )
        if "exclusions" in fields:
            exclusions = _string_list(
                fields["exclusions"][1], source, f"theme {tid!r}: exclusions", allow_empty=True
            )
        if "sources" in fields:
            sources = _string_list(
                fields["sources"][1], source, f"theme {tid!r}: sources", allow_empty=True
            )
        nodes = [fields[k][1] for k in ("entries", "exclusions") if k in fields]
        for node in (n for seq in nodes if isinstance(seq, yaml.SequenceNode) for n in seq.value):
            _check_entry(" ".join(node.value.split()), _where(source, node), tid)
        themes.append(Theme(tid, label, definition, entries, exclusions, sources, core))
    name = _scalar(top["name"][1], source, "name") if "name" in top else ""
    description = (
        _scalar(top["description"][1], source, "description") if "description" in top else ""
    )
    top_sources = (
        _string_list(top["sources"][1], source, "sources", allow_empty=True)
        if "sources" in top
        else ()
    )
    return Codebook(tuple(themes), name, description, source, top_sources)


def as_codebook(codebook: Codebook | str | Path | None) -> Codebook:
    """``codebook`` as a :class:`Codebook`: loaded from a YAML path; None is an error."""
    if codebook is None:
        raise AnalysisError(NO_CODEBOOK)
    if isinstance(codebook, Codebook):
        return codebook
    if isinstance(codebook, str | Path):
        return load_themes(codebook)
    raise AnalysisError(
        "codebook must be a Codebook (analysis.load_themes) or the path of a YAML codebook, "
        f"not {type(codebook).__name__}"
    )


def focus_themes(codebook: Codebook, focus: Sequence[str] | str | None) -> list[str]:
    """The theme ids ``focus`` names, checked; empty or None means every theme.

    Raises
    ------
    AnalysisError
        For an id that is not a theme of the codebook, naming it and the codebook's ids
        (a misspelt theme is never silently dropped).
    """
    if focus is None:
        return codebook.ids
    ids = [focus] if isinstance(focus, str) else list(focus)
    for t in ids:
        if t not in codebook.ids:
            hint = did_you_mean(t, codebook.ids) if isinstance(t, str) else ""
            raise AnalysisError(
                f"focus: {t!r} is not a theme of the codebook{hint}; its themes are "
                f"{', '.join(codebook.ids)}"
            )
    return list(dict.fromkeys(ids)) or codebook.ids


def _not_entries(items: Sequence[str], entries: Sequence[str]) -> str | None:
    """The first of ``items`` that is not one of ``entries`` (case and spaces ignored)."""
    known = {" ".join(e.lower().split()) for e in entries}
    return next((i for i in items if " ".join(i.lower().split()) not in known), None)


def entry_tokens(entry: str) -> list[str]:
    """The tokens of a codebook entry: lower-cased runs of word characters and ``*``."""
    return _ENTRY_TOKEN_RE.findall(entry.lower())
