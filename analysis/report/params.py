"""Report parameters: read a YAML file or a mapping, check the names, split per notebook.

Top-level keys go to every notebook that declares them; a key named after a notebook
(``03-themes: {n_boot: 500}``) holds that notebook's own. Relative file parameters in a
YAML file are made relative to the file's folder. Unknown keys and sections are errors
that suggest the nearest valid name.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

from .._yaml import did_you_mean, read_yaml
from ..errors import AnalysisError

__all__ = [
    "load", "split", "params_for", "read_options", "notes_folder", "PATH_PARAMS", "RENDER_PARAMS", "RENAMED_PARAMS",
]  # fmt: skip

PATH_PARAMS = {"themes", "rules", "codebook", "notes", "embeddings", "coding"}
# read by render itself, never passed to a notebook: ``pattern`` (the fail-fast read of the
# corpus) and ``notes`` (the folder of the authors' Markdown notes, one per section)
RENDER_PARAMS = {"pattern", "notes"}
_NOTEBOOK_LIKE = re.compile(r"^\d\d-")
# notebook parameters renamed to the glossary's one name; old names work for one release
RENAMED_PARAMS = {"group_cols": "by", "groups": "by", "group_col": "by"}


def _renamed(data: Mapping, source: str) -> dict:
    """``data`` with old parameter names (top level and sections) under their new name."""
    out: dict = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            value = _renamed(value, source)
        new = RENAMED_PARAMS.get(key)
        if new is None:
            out[key] = value
            continue
        if new in data:
            raise AnalysisError(f"{source}: give {new!r} only ({key!r} is its old name)")
        warnings.warn(
            f"{source}: parameter {key!r} is now {new!r} (a list of columns); "
            "the old name goes in the next release",
            FutureWarning,  # shown by default: params files are written by end users
            stacklevel=3,
        )
        out[new] = [value] if isinstance(value, str) else value
    return out


def load(
    params: str | Path | Mapping | None, declared: Mapping[str, Mapping] | None = None
) -> dict:
    """Read and check the parameters: a YAML file (via :func:`analysis._yaml.read_yaml`,
    which refuses anchors and aliases) or a mapping.

    ``declared`` maps each notebook of the suite to its declared parameters; when given,
    unknown keys and unknown sections are errors that suggest the nearest valid name.
    """
    if params is None:
        return {}
    if isinstance(params, Mapping):
        data, source = dict(params), "params"
    else:
        p = Path(params)
        data, source = read_yaml(p, what="parameters file") or {}, str(p)
        if not isinstance(data, dict):
            raise AnalysisError(f"{p}: expected a mapping of parameter names to values")
        data = resolve_paths(data, p.resolve().parent)
    data = _renamed(data, source)
    if declared is not None:
        check(data, declared, source)
    return data


def check(data: Mapping, declared: Mapping[str, Mapping], source: str) -> None:
    """Refuse keys no notebook declares and sections named after no notebook."""
    names = list(declared)
    known = sorted(RENDER_PARAMS.union(*(set(d) for d in declared.values())))
    for key, value in data.items():
        if key in declared:
            if value is not None and not isinstance(value, Mapping):
                raise AnalysisError(f"{source}: parameters for notebook {key} must be a mapping")
            own = set(value or {}) - set(declared[key])
            if own:
                bad = sorted(own, key=str)[0]
                raise AnalysisError(
                    f"{source}: parameter {bad!r} is not declared by notebook {key}"
                    f"{did_you_mean(bad, declared[key])}; it declares "
                    f"{', '.join(declared[key]) or 'nothing'}"
                )
        elif key in known:
            continue
        elif isinstance(value, Mapping) or _NOTEBOOK_LIKE.match(str(key)):
            raise AnalysisError(
                f"{source}: section {key!r} is not a notebook of the suite"
                f"{did_you_mean(key, names)}; sections are named {', '.join(names)}"
            )
        else:
            raise AnalysisError(
                f"{source}: unknown parameter {key!r}{did_you_mean(key, known + names)}; "
                "no notebook declares it (see the parameters cell of each notebook)"
            )


def is_path_param(name: str) -> bool:
    """File parameters: ``themes``, ``rules``, ``codebook``, ``notes``, ``embeddings``, ``coding`` and ``*_file``/``*_path``/``*_dir``."""
    return name in PATH_PARAMS or name.endswith(("_file", "_path", "_dir"))


def resolve_paths(data: dict, base: Path) -> dict:
    """Make relative file parameters (``themes``, ``*_file``...) relative to ``base``."""
    out = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out[k] = resolve_paths(v, base)
        elif (
            isinstance(v, str) and v and is_path_param(k) and not Path(v).expanduser().is_absolute()
        ):
            out[k] = str((base / v).resolve())
        else:
            out[k] = v
    return out


def split(params: Mapping, names: Sequence[str]) -> tuple[dict, dict]:
    """``(common, per_notebook)``: top-level keys, and the sections named after notebooks."""
    per = {k: v or {} for k, v in params.items() if k in names}
    common = {k: v for k, v in params.items() if k not in names}
    for k, v in per.items():
        if not isinstance(v, Mapping):
            raise AnalysisError(f"parameters for notebook {k} must be a mapping")
    return common, per


def params_for(name: str, declared: Mapping, common: Mapping, per_notebook: Mapping) -> dict:
    """Parameters for one notebook: common ones it declares, then its own section."""
    out = {k: v for k, v in common.items() if k in declared}
    own = per_notebook.get(name, {}) or {}
    unknown = set(own) - set(declared)
    if unknown:
        raise AnalysisError(
            f"parameter {sorted(unknown)[0]!r} is not declared by notebook {name}; "
            f"it declares {', '.join(declared) or 'nothing'}"
        )
    out.update(own)
    return out


def notes_folder(common: Mapping) -> Path | None:
    """The ``notes`` folder a params file names (already relative to the YAML), or None."""
    value = common.get("notes")
    if value is None or value == "":
        return None
    if not isinstance(value, str | Path):
        raise AnalysisError(f"notes: {value!r} must be a folder of <section>.md files")
    return Path(value).expanduser().resolve()


def read_options(common: Mapping) -> dict:
    """The loader options a params file sets for every notebook (``pattern``, ``text_column``)."""
    opts: dict = {}
    if common.get("pattern"):
        opts["pattern"] = common["pattern"]
    if common.get("text_column"):
        opts["columns"] = {common["text_column"]: "text"}
    return opts
