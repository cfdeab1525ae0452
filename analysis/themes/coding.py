"""Hand coding of theme hits: a sample to code, and the codes read back as precision.

A dictionary counts every hit of its entries; whether a hit *means* the theme is a
question for a reader. "Validate, validate, validate" (Grimmer & Stewart 2013, "Text as
data: The promise and pitfalls of automatic content analysis methods for political
texts", *Political Analysis* 21(3), 267-297): the round trip here turns reading into a
number.

1. :func:`sample_for_coding` draws a random sample of hits per theme (and per group of
   ``by`` within a theme) and writes a *coding sheet*, a CSV with each hit's context and
   the empty columns ``valid``, ``coder`` and ``note``;
2. one or more coders fill ``valid`` (yes or no) in a copy of the sheet;
3. :func:`coding_precision` reads the sheets back and returns the share of valid hits
   (the dictionary's *precision*) per theme, entry and group with Wilson intervals, and
   the agreement of coders who coded the same hits (Cohen's kappa, Krippendorff's
   alpha).

A hit keeps its ``hit_id`` from run to run (it is derived from the hit's document, unit,
position and theme), so codes stay attached to their hits when the corpus grows.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import AnalysisError
from ..grouping import group_labels, group_order
from ..validation import as_list, check_int, check_level, require_columns
from .match import ThemeCounts, ThemeMatches
from .stats import theme_hits

__all__ = [
    "sample_for_coding", "coding_precision", "CodingResult", "hit_ids", "parse_valid",
    "wilson_interval", "cohen_kappa", "krippendorff_alpha",
]  # fmt: skip

#: Columns a coding sheet must have; ``valid``, ``coder`` and ``note`` are the coders'.
REQUIRED = ("hit_id", "doc_id", "theme", "entry", "valid", "coder")
CODING_COLUMNS = ("valid", "coder", "note")
HIT_COLUMNS = ("doc_id", "unit_id", "theme", "entry", "position", "left", "match", "right")
YES = frozenset({"yes", "y", "1", "true"})
NO = frozenset({"no", "n", "0", "false"})
_HIT_ID = re.compile(r"hit-[0-9a-f]{16}")
_SEP = "\x1f"  # unit separator: never part of a doc_id, unit_id or theme id


# ------------------------------------------------------------------ sampling


def _digests(hits: pd.DataFrame) -> np.ndarray:
    """The 64-bit BLAKE2b digest of each hit's doc_id, unit_id, position and theme."""
    sep = _SEP
    keys = (
        hits["doc_id"].astype(str) + sep + hits["unit_id"].astype(str) + sep
        + hits["position"].astype(np.int64).astype(str) + sep + hits["theme"].astype(str)
    )  # fmt: skip
    blob = b"".join(
        hashlib.blake2b(k.encode("utf-8"), digest_size=8).digest() for k in keys.tolist()
    )
    return np.frombuffer(blob, dtype=">u8").astype(np.uint64)


def hit_ids(hits: pd.DataFrame) -> pd.Series:
    """The stable id of each hit of a :func:`analysis.theme_hits` table.

    ``hit_id = "hit-" + blake2b(doc_id, unit_id, position, theme)`` (the first 8 bytes
    of the BLAKE2b digest of the four values joined by a separator, as 16 hexadecimal
    digits). The same hit gets the same id in every run and in a corpus with more
    documents; matching by another ``unit`` changes ``unit_id`` and so the ids. The
    ``"hit-"`` prefix keeps spreadsheet programs from reading an id as a number.
    """
    require_columns(hits, ["doc_id", "unit_id", "position", "theme"], "hit_ids", empty_ok=True)
    return _ids(_digests(hits), hits.index)


def _ids(digests: np.ndarray, index) -> pd.Series:
    return pd.Series(
        [f"hit-{d:016x}" for d in digests.tolist()], index=index, name="hit_id", dtype=object
    )


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer (Steele, Lea & Flood 2014, "Fast splittable pseudorandom
    number generators", OOPSLA): a bijective 64-bit mix with full avalanche."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _prn(digests: np.ndarray, seed: int) -> np.ndarray:
    """A permanent random number in [0, 2**64) per hit, from ``seed`` and its digest."""
    salt = _splitmix64(np.array([seed], dtype=np.uint64))[0]
    return _splitmix64(digests ^ salt)


def _allocate(sizes: np.ndarray, n: int) -> np.ndarray:
    """Spread ``n`` draws over strata of ``sizes`` hits as evenly as the sizes allow.

    Each stratum gets ``min(size, L)`` with ``L`` the largest level whose total stays
    within ``n``; the ``r`` draws left go one each to the ``r`` largest strata that have
    hits left (ties: the earlier stratum). All hits when ``sum(sizes) <= n``.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    if sizes.sum() <= n:
        return sizes.copy()
    levels = np.arange(n + 1)
    totals = np.minimum(sizes[None, :], levels[:, None]).sum(axis=1)
    level = int(levels[totals <= n].max())
    alloc = np.minimum(sizes, level)
    left = n - int(alloc.sum())
    room = np.flatnonzero(sizes > level)
    first = room[np.lexsort((room, -sizes[room]))][:left]
    alloc[first] += 1
    return alloc


def _hit_table(data, window: int | None) -> tuple[pd.DataFrame, pd.DataFrame | None, list]:
    """The hit table, the documents (for ``by`` columns) and the theme order."""
    if isinstance(data, ThemeMatches):
        table = theme_hits(data, window=8 if window is None else check_int("window", window))
        return table, data.docs, list(data.codebook.ids)
    if isinstance(data, ThemeCounts):
        raise AnalysisError(
            "data: sample_for_coding needs the hits themselves, which a ThemeCounts does "
            "not keep; pass the ThemeMatches of analysis.match_themes(corpus)"
        )
    if not isinstance(data, pd.DataFrame):
        raise AnalysisError(
            "data must be the table of analysis.theme_hits or the ThemeMatches of "
            f"analysis.match_themes, not {type(data).__name__}"
        )
    if "text" in data.columns and "match" not in data.columns:
        raise AnalysisError(
            "data is a corpus, not hits; pass analysis.match_themes(corpus, codebook) or "
            "analysis.theme_hits(corpus, codebook)"
        )
    require_columns(data, HIT_COLUMNS, "sample_for_coding", empty_ok=True)
    if window is not None:
        raise AnalysisError(
            f"window={window!r}: a hit table already has its context; pass the ThemeMatches "
            "instead, or call analysis.theme_hits(..., window=...) first"
        )
    return data.reset_index(drop=True), None, list(pd.unique(data["theme"]))


def _group_columns(table: pd.DataFrame, docs: pd.DataFrame | None, cols: list) -> pd.DataFrame:
    """``table`` with the ``by`` columns, taken from the documents when it lacks them."""
    out = table.copy()
    for c in cols:
        if c in out.columns:
            continue
        if docs is None or c not in docs.columns:
            have = list(out.columns) + ([] if docs is None else list(docs.columns))
            raise AnalysisError(
                f"by={c!r} is neither a column of the hits nor of the corpus; use one of "
                f"{', '.join(map(str, dict.fromkeys(have)))}"
            )
        out[c] = out["doc_id"].map(docs.drop_duplicates("doc_id").set_index("doc_id")[c])
    return out


def sample_for_coding(
    data: pd.DataFrame | ThemeMatches,
    *,
    n_per_theme: int = 20,
    by: str | Sequence[str] | None = None,
    seed: int = 0,
    window: int | None = None,
    path: str | Path | None = None,
) -> pd.DataFrame:
    """A random sample of theme hits to code by hand: the coding sheet.

    **Strata.** The sample is stratified by theme: each theme gets ``n_per_theme`` hits
    (all of them if it has fewer). With ``by``, the hits of a theme are further split
    by group (the ``by`` values of their document) and the theme's ``n_per_theme`` are
    spread over its groups *as evenly as their hits allow*: each group gets
    ``min(hits_g, L)``, with ``L`` the largest whole number for which these add up to at
    most ``n_per_theme``; the ``r`` draws that are left go one each to the ``r`` groups
    with the most hits beyond ``L`` (ties: group order). So a group with few hits gives
    all of them and the others share the rest equally.

    **Draws.** Within a stratum the hits are drawn without replacement by *permanent
    random numbers* (Ohlsson 1995, "Coordination of samples using permanent random
    numbers", in Cox et al. (eds.), *Business Survey Methods*, Wiley, 153-169): each hit
    gets the number ``splitmix64(digest XOR splitmix64(seed))`` (``digest``: the 64 bits of
    its ``hit_id``; SplitMix64's bijective mix, Steele, Lea & Flood 2014) and a stratum
    keeps its ``k`` hits with the smallest numbers. That is a simple random sample within the stratum, identical for
    the same ``seed`` in every run, and a later run on a grown corpus keeps the hits
    already drawn unless newer hits take their place (so most codes carry over).

    **Weights.** ``weight = hits_s / sampled_s`` for the hit's stratum *s* (theme x
    group): the number of hits each coded hit stands for, the inverse of its chance to
    be drawn. Within a theme the weights differ when its groups are sampled at
    different rates; :func:`coding_precision` then weights the codes so the theme's
    precision describes all its hits, not the sample's mix of groups.

    Parameters
    ----------
    data : DataFrame or ThemeMatches
        The hit table of :func:`analysis.theme_hits`, or the matches of
        :func:`analysis.match_themes` (then the hits and their context are taken from
        them, and ``by`` columns from their documents).
    n_per_theme : int, default 20
        Hits drawn per theme (0 gives an empty sheet with the sheet's columns).
    by : str or list of str, optional
        Group column(s) to stratify by within a theme: columns of the hit table or, for
        matches, of the corpus. Written to the sheet, so :func:`coding_precision` can
        report precision per group.
    seed : int, default 0
        Seed of the permanent random numbers.
    window : int, optional
        Word tokens of context on each side, for matches (default 8, as
        :func:`analysis.theme_hits`); a hit table already has its context, so giving
        ``window`` with one is an error.
    path : str or Path, optional
        Where to write the sheet as CSV (UTF-8 with a byte-order mark, so spreadsheet
        programs read accented text correctly). An existing file is never overwritten:
        it may hold codes.

    Returns
    -------
    DataFrame
        One row per drawn hit, themes in codebook order (first appearance for a hit
        table) and hits in random order within a theme (groups mixed, so coders do not
        read one group in a block): ``hit_id`` (:func:`hit_ids`), ``theme, entry,
        doc_id, unit_id, position``, the ``by`` columns, ``left, match, right`` (the
        context of :func:`analysis.theme_hits`), ``weight``, and the empty coding
        columns ``valid`` (to fill with yes or no), ``coder`` and ``note``.
        ``attrs["strata"]`` lists the strata as records ``{theme, group, hits, sampled,
        weight}`` (``pd.DataFrame(sheet.attrs["strata"])`` is their table).
    """
    n = check_int("n_per_theme", n_per_theme, 0)
    seed = check_int("seed", seed, 0)
    cols = as_list(by, "by")
    table, docs, themes = _hit_table(data, window)
    table = _group_columns(table, docs, cols)
    digests = _digests(table)
    by_digest = np.argsort(digests, kind="stable")
    same = np.flatnonzero(digests[by_digest][1:] == digests[by_digest][:-1])
    if len(same):
        first = table.iloc[by_digest[same[0]]]
        raise AnalysisError(
            f"data: the hit at doc_id={first['doc_id']!r}, position={first['position']} "
            f"(theme {first['theme']!r}) appears more than once; pass each hit once"
        )
    labels = group_labels(table, cols)
    groups = group_order(table, cols, labels) if len(table) else ["all"]
    t_idx = pd.Index(themes).get_indexer(table["theme"]).astype(np.int64)
    g_idx = pd.Index(groups).get_indexer(labels).astype(np.int64)
    stratum = t_idx * len(groups) + g_idx
    sizes = np.bincount(stratum, minlength=len(themes) * len(groups))
    sizes = sizes.reshape(len(themes), len(groups))
    quota = np.array([_allocate(row, n) for row in sizes], dtype=np.int64).reshape(sizes.shape)
    key = _prn(digests, seed)
    order = np.lexsort((key, stratum))
    s = stratum[order]
    pos = np.arange(len(s))
    start = np.maximum.accumulate(np.where(np.r_[True, s[1:] != s[:-1]], pos, 0)) if len(s) else pos
    chosen = order[(pos - start) < quota.ravel()[s]]
    chosen = chosen[np.lexsort((key[chosen], t_idx[chosen]))]  # random order within a theme
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(quota > 0, sizes / quota, np.nan)
    out = table.iloc[chosen].reset_index(drop=True)
    out.insert(0, "hit_id", _ids(digests[chosen], out.index))
    out["weight"] = weight.ravel()[stratum[chosen]]
    for c in CODING_COLUMNS:
        out[c] = ""
    out_cols = ["hit_id", "theme", "entry", "doc_id", "unit_id", "position", *cols]
    out_cols += ["left", "match", "right", "weight", *CODING_COLUMNS]
    out = out[out_cols]
    ti, gi = np.nonzero(sizes)
    strata = pd.DataFrame(
        {
            "theme": [themes[t] for t in ti],
            "group": [groups[g] for g in gi],
            "hits": sizes[ti, gi],
            "sampled": quota[ti, gi],
            "weight": weight[ti, gi],
        }
    )
    # records, not a frame: pandas compares attrs when sheets are concatenated
    out.attrs.update(strata=strata.to_dict("records"), seed=seed, n_per_theme=n, by=cols)
    if path is not None:
        _write_new(out, Path(path))
    return out


def _write_new(table: pd.DataFrame, path: Path) -> None:
    """Write the sheet to a new file; an existing one is left alone."""
    if not path.parent.is_dir():
        raise AnalysisError(f"path={str(path)!r}: the folder {str(path.parent)!r} does not exist")
    try:
        with open(path, "x", encoding="utf-8-sig", newline="") as f:
            table.to_csv(f, index=False, lineterminator="\n")
    except FileExistsError:
        raise AnalysisError(
            f"path={str(path)!r} exists and may hold codes; it is never overwritten: "
            "give a new file name, or move the old file away"
        ) from None


# ------------------------------------------------------------------ reading codes


def parse_valid(value: object) -> bool | None:
    """A code of the ``valid`` column: True (valid), False (not valid) or None (not coded).

    Accepted, in any case and with surrounding spaces: ``yes, y, 1, true`` (True) and
    ``no, n, 0, false`` (False); an empty or missing value is None. The numbers 1 and 0
    and the booleans are read as such. Anything else raises :class:`ValueError` (the
    reader turns it into a one-line error naming the file and row).
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        if value in (0, 1):
            return bool(value)
        raise ValueError(value)
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(value)


def _read_sheet(source) -> tuple[pd.DataFrame, str, int]:
    """One coding sheet as text columns, its name for messages and its first row number."""
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), "the table", 0
    if not isinstance(source, str | Path):
        raise AnalysisError(
            "data must be the path of a coding sheet, a list of paths or a DataFrame, "
            f"not {type(source).__name__}"
        )
    path = Path(source)
    name = str(path)
    if not path.is_file():
        raise AnalysisError(f"{name}: no such file; give the path of a filled coding sheet")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnalysisError(
            f"{name}: not UTF-8 (byte {exc.start}); save it as 'CSV UTF-8' and read it again"
        ) from None
    header = text.split("\n", 1)[0]
    sep = max((",", ";", "\t"), key=header.count)  # spreadsheets in some locales save ';'
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        why = " ".join(str(exc).split()) or "empty"
        raise AnalysisError(f"{name}: not a readable CSV ({why}); check the file") from None
    return frame, name, 2  # a spreadsheet's row numbers: the header is row 1


def _codes(data, by: list[str]) -> pd.DataFrame:
    """All code rows of the sheets, checked, with ``_file`` and ``_row`` for messages."""
    sources = list(data) if isinstance(data, list | tuple) else [data]
    if not sources:
        raise AnalysisError("data is an empty list; give the path of a filled coding sheet")
    parts = []
    for source in sources:
        frame, name, first = _read_sheet(source)
        if "hit_id" not in frame.columns:
            raise AnalysisError(
                f"{name} is not a coding sheet of sample_for_coding (no hit_id column); "
                "code the CSV that sample_for_coding or 'python -m analysis code-sample' wrote"
            )
        for c in (*REQUIRED, *by):
            if c not in frame.columns:
                why = f"by={c!r}" if c in by and c not in REQUIRED else "a required column"
                raise AnalysisError(
                    f"{name}: no column {c!r} ({why}); the sheet needs "
                    f"{', '.join((*REQUIRED, *by))}: restore it from the sheet that was written"
                )
        frame = frame.copy()
        frame["_file"] = name
        frame["_row"] = np.arange(len(frame)) + first
        parts.append(frame)
    rows = pd.concat(parts, ignore_index=True)

    def where(i: int) -> str:
        return f"{rows.at[i, '_file']}, row {rows.at[i, '_row']}"

    ids = rows["hit_id"].astype(str).str.strip()
    bad = ~ids.map(lambda s: _HIT_ID.fullmatch(s) is not None)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise AnalysisError(
            f"{where(i)}: hit_id {rows.at[i, 'hit_id']!r} is not an id written by "
            "sample_for_coding; restore the hit_id column from the sheet that was written"
        )
    rows["hit_id"] = ids
    parsed = []
    for i, v in enumerate(rows["valid"].tolist()):
        try:
            parsed.append(parse_valid(v))
        except ValueError:
            raise AnalysisError(
                f"{where(i)}: valid={v!r}; write yes or no (or y/n, 1/0, true/false), "
                "or leave it empty when the hit is not coded"
            ) from None
    rows["_code"] = pd.array(parsed, dtype="boolean")
    rows["coder"] = rows["coder"].fillna("").astype(str).str.strip()
    if "weight" in rows.columns:
        raw = rows["weight"]
        blank = raw.isna() | raw.astype(str).str.strip().eq("")
        w = pd.to_numeric(raw.where(~blank), errors="coerce")
        bad = ~blank & ~(w > 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AnalysisError(
                f"{where(i)}: weight={raw.iloc[i]!r} must be a number above 0; "
                "restore it from the sheet that was written"
            )
        rows["weight"] = w.fillna(1.0).astype(np.float64)
    else:
        rows["weight"] = 1.0
    coded = rows[rows["_code"].notna()]
    twice = coded.duplicated(["hit_id", "coder"], keep=False)
    if twice.any():
        dup = coded[twice]
        key = dup.iloc[0][["hit_id", "coder"]].tolist()
        same = dup[(dup["hit_id"] == key[0]) & (dup["coder"] == key[1])].index
        raise AnalysisError(
            f"{where(same[1])}: hit {key[0]} is coded a second time by coder {key[1]!r} "
            f"(first in {where(same[0])}); keep one code per coder, and write each coder's "
            "name in the coder column"
        )
    for c in ("theme", "entry", "doc_id", *by):
        n_values = rows.groupby("hit_id")[c].nunique()
        if (n_values > 1).any():
            hid = n_values[n_values > 1].index[0]
            rs = rows.index[rows["hit_id"] == hid]
            raise AnalysisError(
                f"{where(rs[-1])}: hit {hid} has {c}={rows.at[rs[-1], c]!r} but "
                f"{c}={rows.at[rs[0], c]!r} in {where(rs[0])}; restore the column from the "
                "sheet that was written"
            )
    return rows


# ------------------------------------------------------------------ statistics


def wilson_interval(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion ``k / n`` (Wilson 1927).

    Wilson, E. B. (1927). "Probable inference, the law of succession, and statistical
    inference". *Journal of the American Statistical Association* 22(158), 209-212.
    With ``p = k / n`` and ``z`` the ``1 - (1 - level) / 2`` quantile of the standard
    normal::

        centre = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))
        [centre - half, centre + half]

    It stays inside [0, 1] and, unlike the Wald interval ``p +- z sqrt(p(1-p)/n)``, is
    not empty at ``p = 0`` or ``p = 1`` and keeps close to its nominal coverage for small
    ``n`` (Brown, Cai & DasGupta 2001, "Interval estimation for a binomial proportion",
    *Statistical Science* 16(2)). ``n`` may be fractional (an effective sample size);
    ``n = 0`` gives NaN bounds. Equals statsmodels'
    ``proportion_confint(k, n, alpha=1 - level, method="wilson")``.
    """
    level = check_level(level)
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    z = norm.ppf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def cohen_kappa(a, b) -> float:
    """Cohen's kappa of two coders' codes of the same items (Cohen 1960).

    Cohen, J. (1960). "A coefficient of agreement for nominal scales". *Educational and
    Psychological Measurement* 20(1), 37-46. ``kappa = (p_o - p_e) / (1 - p_e)`` with
    ``p_o`` the share of items coded alike and ``p_e = sum_c p_a(c) p_b(c)`` the
    agreement expected from each coder's own shares of the categories ``c``. NaN when
    ``p_e = 1`` (both coders used one and the same category throughout) or there are no
    items. Equals :func:`sklearn.metrics.cohen_kappa_score`.
    """
    a, b = np.asarray(a), np.asarray(b)
    if len(a) != len(b):
        raise AnalysisError(
            f"cohen_kappa: {len(a)} and {len(b)} codes; give codes of the same items"
        )
    if not len(a):
        return float("nan")
    cats, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    ia, ib = inv[: len(a)], inv[len(a) :]
    p_o = float(np.mean(ia == ib))
    pa = np.bincount(ia, minlength=len(cats)) / len(a)
    pb = np.bincount(ib, minlength=len(cats)) / len(b)
    p_e = float(pa @ pb)
    return float("nan") if p_e >= 1 - 1e-12 else (p_o - p_e) / (1 - p_e)


def krippendorff_alpha(values) -> float:
    """Krippendorff's alpha for nominal codes, any number of coders, missing codes allowed.

    Krippendorff, K. (2004). *Content Analysis: An Introduction to Its Methodology*, 2nd
    ed., Sage, ch. 11; Krippendorff, K. (2011). "Computing Krippendorff's alpha-
    reliability", Annenberg School for Communication, University of Pennsylvania.

    ``values`` is a units x coders array (NaN or None: not coded). Units with fewer
    than two codes are not pairable and are dropped. With ``n_uc`` the number of codes
    ``c`` in unit ``u`` and ``m_u`` its number of codes, the coincidences are
    ``o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)``, ``n_c = sum_k o_ck`` and
    ``n = sum_c n_c``; for nominal codes::

        alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k

    i.e. ``1 - D_o / D_e``, observed over expected disagreement. NaN when nothing is
    pairable or every code is the same (``D_e = 0``).
    """
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 2:
        raise AnalysisError(
            f"values has {arr.ndim} dimension(s); give a units x coders table of codes"
        )
    present = ~pd.isna(arr)
    if not present.any():
        return float("nan")
    unit = np.nonzero(present)[0]
    codes, cats = pd.factorize(pd.Series(arr[present], dtype=object), sort=False)
    counts = np.zeros((arr.shape[0], len(cats)))
    np.add.at(counts, (unit, codes), 1)
    m = counts.sum(axis=1)
    counts = counts[m >= 2]
    m = m[m >= 2]
    if not len(m):
        return float("nan")
    scaled = counts / (m - 1)[:, None]
    o = counts.T @ scaled - np.diag(scaled.sum(axis=0))
    n_c = o.sum(axis=1)
    n = n_c.sum()
    off = ~np.eye(len(cats), dtype=bool)
    d_e = (np.outer(n_c, n_c))[off].sum()
    if d_e <= 0:
        return float("nan")
    return float(1 - (n - 1) * o[off].sum() / d_e)


# ------------------------------------------------------------------ precision


@dataclass(frozen=True)
class CodingResult:
    """What :func:`coding_precision` returns.

    Attributes
    ----------
    precision : DataFrame
        Precision per theme, and per theme x entry and theme x group where enough
        codes exist (see :func:`coding_precision`).
    agreement : DataFrame
        Agreement of each pair of coders on the hits both coded, per theme and overall;
        empty (with its columns) when no hit was coded twice.
    codes : DataFrame
        One row per coded hit: ``hit_id, theme, entry, doc_id``, the ``by`` columns,
        ``group, weight, n_codes, n_yes`` and ``valid`` (the hit's one code, see the
        rule in :func:`coding_precision`).
    n_uncoded : int
        Hits of the sheets that nobody coded (their ``valid`` is empty everywhere).
    """

    precision: pd.DataFrame
    agreement: pd.DataFrame
    codes: pd.DataFrame
    n_uncoded: int
    params: dict = field(default_factory=dict)


PRECISION_COLUMNS = [
    "level", "theme", "entry", "group", "n_coded", "n_valid", "n_uncoded", "precision",
    "ci_low", "ci_high", "n_eff", "note",
]  # fmt: skip
AGREEMENT_COLUMNS = [
    "level", "theme", "coder_a", "coder_b", "n_hits", "agreement", "kappa", "alpha", "note",
]  # fmt: skip


def _precision_row(level_name, theme, entry, group, part, n_uncoded, level, min_codes):
    n = len(part)
    w = part["weight"].to_numpy(dtype=np.float64)
    v = part["valid"].to_numpy(dtype=np.float64)
    if n:
        p = float(w @ v / w.sum())
        n_eff = float(w.sum() ** 2 / (w**2).sum())
        lo, hi = wilson_interval(p * n_eff, n_eff, level)
        lo, hi = float(lo), float(hi)
    else:
        p = lo = hi = n_eff = np.nan
    note = ""
    if not n:
        note = "no codes yet"
    elif n < min_codes:
        note = f"{n} codes (fewer than min_codes={min_codes}): read the codes"
    return (
        level_name, theme, entry, group, n, int(v.sum()), n_uncoded, p, lo, hi, n_eff, note
    )  # fmt: skip


def coding_precision(
    data: str | Path | pd.DataFrame | Sequence,
    *,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    min_codes: int = 10,
) -> CodingResult:
    """Precision of the codebook from hand-coded hits, with Wilson intervals and agreement.

    **Reading.** ``data`` is one coding sheet (written by :func:`sample_for_coding` and
    filled in), a list of them (e.g. one copy per coder) or a DataFrame. Each row is one
    coder's code of one hit: ``valid`` is yes or no (also y/n, 1/0, true/false, any
    case; :func:`parse_valid`), ``coder`` names the coder (empty is one anonymous
    coder). A row with an empty ``valid`` is not coded: it is ignored, and a hit
    nobody coded is counted in ``n_uncoded``. Row numbers in messages are a
    spreadsheet's (the header is row 1). Errors, each one line naming the file and row:
    a ``valid`` value that is not one of the above; a missing required column
    (``hit_id, doc_id, theme, entry, valid, coder`` and the ``by`` columns); a
    ``hit_id`` coded twice by the same coder; a ``hit_id`` not written by
    :func:`sample_for_coding` or a file without ``hit_id`` (not a coding sheet); a
    ``weight`` that is not a positive number.

    **One code per hit.** A hit is *valid* when more than half of the coders who coded
    it said yes: one coder's code as it is; with two coders, valid only if both say
    yes (a disagreement counts as not valid, so precision is not flattered); with
    three, two of them.

    **Precision.** For a set of coded hits with codes ``v_i`` (1 valid, 0 not) and
    weights ``w_i`` (the sheet's ``weight``, 1 when absent, times ``sampled_s /
    coded_s`` for a stratum some of whose sampled hits are not coded yet, so each stratum
    keeps its share of the hits): ``precision = sum w_i v_i / sum w_i``, the share of
    valid hits among all the hits the sample stands for. The
    interval is the Wilson score interval (:func:`wilson_interval`; Wilson 1927, *JASA*
    22(158)) at ``p = precision`` with ``n`` Kish's effective sample size ``n_eff =
    (sum w)^2 / sum w^2`` (Kish 1965, *Survey Sampling*, Wiley); with equal weights
    (every theme sampled without ``by``, or every group of a theme at the same rate)
    ``precision = n_valid / n_coded``, ``n_eff = n_coded`` and the interval is the plain
    Wilson interval.

    **Agreement.** For each pair of coders, over the hits both coded: ``agreement``
    (share coded alike), Cohen's kappa (:func:`cohen_kappa`; Cohen 1960) and nominal
    Krippendorff's alpha (:func:`krippendorff_alpha`; Krippendorff 2004, 2011), per
    theme and overall, with ``n_hits``, the number of doubly coded hits. Kappa and alpha
    are NaN (note says why) when all codes are the same.

    Parameters
    ----------
    data : path, list of paths, or DataFrame
        Filled coding sheet(s).
    by : str or list of str, optional
        Group column(s) of the sheet (the ``by`` of :func:`sample_for_coding`) for the
        theme x group rows.
    level : float, default 0.95
        Coverage of the Wilson intervals.
    min_codes : int, default 10
        Fewest coded hits for a theme x entry or theme x group row (theme rows are
        always given, with a note below this).

    Returns
    -------
    CodingResult
        ``.precision``: one row per theme (sheet order), then per theme x entry and per
        theme x group with at least ``min_codes`` coded hits: ``level`` (``"theme"``,
        ``"entry"`` or ``"group"``), ``theme, entry, group`` (empty when not that
        level), ``n_coded`` (hits with a code), ``n_valid`` (of them valid),
        ``n_uncoded``, ``precision, ci_low, ci_high, n_eff, note``.
        ``.agreement``: ``level`` (``"overall"`` or ``"theme"``), ``theme, coder_a,
        coder_b, n_hits, agreement, kappa, alpha, note``. ``.codes``: the hits with
        their one code. ``.n_uncoded``: hits nobody coded.
    """
    level = check_level(level)
    min_codes = check_int("min_codes", min_codes, 1)
    cols = as_list(by, "by")
    rows = _codes(data, cols)
    themes = list(dict.fromkeys(rows["theme"]))
    coded = rows[rows["_code"].notna()].copy()
    coded["_yes"] = coded["_code"].astype(bool).astype(np.int64)
    per_hit = coded.groupby("hit_id", sort=False).agg(
        n_codes=("_yes", "size"), n_yes=("_yes", "sum")
    )
    first = rows.drop_duplicates("hit_id").set_index("hit_id")
    hits = first[["theme", "entry", "doc_id", *cols, "weight"]].copy()
    hits["group"] = group_labels(hits, cols).to_numpy() if cols else ""
    hits = hits.join(per_hit)
    is_coded = hits["n_codes"].notna()
    # A partly coded stratum stands for all its hits through the hits coded: the weight
    # of a coded hit is hits_s / coded_s = weight * sampled_s / coded_s (strata: a theme's
    # hits of one weight), so a stratum with blank rows is not under-weighted.
    stratum = hits["theme"].astype(str) + _SEP + hits["weight"].map(repr)
    sampled = stratum.map(stratum.value_counts())
    hits["weight"] = hits["weight"] * sampled / stratum.map(stratum[is_coded].value_counts())
    codes = hits[is_coded].copy()
    codes["n_codes"] = codes["n_codes"].astype(np.int64)
    codes["n_yes"] = codes["n_yes"].astype(np.int64)
    codes["valid"] = 2 * codes["n_yes"] > codes["n_codes"]
    uncoded = hits[~is_coded]
    out = []
    for t in themes:
        part, un = codes[codes["theme"] == t], uncoded[uncoded["theme"] == t]
        out.append(_precision_row("theme", t, "", "", part, len(un), level, min_codes))
    for key, name in (("entry", "entry"), ("group", "group")):
        if key == "group" and not cols:
            continue
        for t in themes:
            part, un = codes[codes["theme"] == t], uncoded[uncoded["theme"] == t]
            order = list(dict.fromkeys(part[key]))
            if key == "group":
                order = sorted(order)
            for value in order:
                sub = part[part[key] == value]
                if len(sub) >= min_codes:
                    n_un = int((un[key] == value).sum())
                    e, g = (value, "") if key == "entry" else ("", value)
                    out.append(_precision_row(name, t, e, g, sub, n_un, level, min_codes))
    precision = pd.DataFrame(out, columns=PRECISION_COLUMNS)
    precision.attrs.update(level=level, min_codes=min_codes)
    agreement = _agreement(coded, themes)
    codes = codes.reset_index()[
        ["hit_id", "theme", "entry", "doc_id", *cols, "group", "weight", "n_codes", "n_yes",
         "valid"]
    ]  # fmt: skip
    params = {"level": level, "min_codes": min_codes, "by": cols}
    return CodingResult(precision, agreement, codes, int((~is_coded).sum()), params)


def _agreement(coded: pd.DataFrame, themes: list) -> pd.DataFrame:
    """Pairwise agreement, kappa and alpha over the hits both coders coded."""
    wide = coded.pivot(index="hit_id", columns="coder", values="_yes")
    coders = list(dict.fromkeys(coded["coder"]))
    theme_of = coded.drop_duplicates("hit_id").set_index("hit_id")["theme"]
    rows = []
    for i, a in enumerate(coders):
        for b in coders[i + 1 :]:
            both = wide[[a, b]].dropna()
            if both.empty:
                continue
            for lvl, t in [("overall", "")] + [("theme", t) for t in themes]:
                sub = both if lvl == "overall" else both[theme_of.reindex(both.index) == t]
                if sub.empty:
                    continue
                x, y = sub[a].to_numpy(np.int64), sub[b].to_numpy(np.int64)
                kappa = cohen_kappa(x, y)
                alpha = krippendorff_alpha(np.column_stack([x, y]))
                note = (
                    "" if np.isfinite(kappa) else "every code the same: kappa and alpha undefined"
                )
                if np.isfinite(kappa) and not np.isfinite(alpha):
                    note = "alpha undefined"
                rows.append((lvl, t, a, b, len(sub), float(np.mean(x == y)), kappa, alpha, note))
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
