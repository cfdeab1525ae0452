"""Hand coding round trip: sample_for_coding -> a coder fills the sheet -> coding_precision."""

from __future__ import annotations

import hashlib
import itertools
import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from analysis import load_themes, match_themes, read_corpus, theme_hits
from analysis.errors import AnalysisError
from analysis.themes.coding import (
    coding_precision,
    cohen_kappa,
    hit_ids,
    krippendorff_alpha,
    parse_valid,
    sample_for_coding,
    wilson_interval,
)

# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture
def grouped_hits(corpus, book):
    """Theme 'peace' in three groups of very different size, theme 'war' in one group."""
    texts = (
        ["peace word peace word peace"] * 6  # group a: 18 peace hits
        + ["peace and war"] * 2  # group b: 2 peace, 2 war
        + ["peace peace peace peace war war"] * 3  # group c: 12 peace, 6 war
    )
    docs = corpus(*texts, grp=["a"] * 6 + ["b"] * 2 + ["c"] * 3)
    m = match_themes(docs, book(("peace", ["peace"]), ("war", ["war"])))
    return docs, m


def read_sheet(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def allocate_by_loop(sizes: list[int], n: int) -> list[int]:
    """One draw at a time to the stratum with the fewest draws that has hits left
    (ties: the most hits, then the earlier stratum)."""
    alloc = [0] * len(sizes)
    for _ in range(n):
        room = [i for i in range(len(sizes)) if alloc[i] < sizes[i]]
        if not room:
            break
        best = min(room, key=lambda i: (alloc[i], -sizes[i], i))
        alloc[best] += 1
    return alloc


def wilson_by_hand(k: float, n: float, level: float) -> tuple[float, float]:
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def alpha_by_pairs(rows: list[list]) -> float:
    """Nominal alpha from pairable values, as in Krippendorff (2011), with plain loops."""
    units = [[v for v in r if v is not None] for r in rows]
    units = [u for u in units if len(u) >= 2]
    pairs_o, values = {}, []
    for u in units:
        m = len(u)
        values.extend(u)
        for i, j in itertools.permutations(range(m), 2):
            key = (u[i], u[j])
            pairs_o[key] = pairs_o.get(key, 0.0) + 1.0 / (m - 1)
    n = len(values)
    counts = {c: values.count(c) for c in set(values)}
    d_o = sum(v for (c, k), v in pairs_o.items() if c != k)
    d_e = sum(counts[c] * counts[k] for c in counts for k in counts if c != k) / (n - 1)
    return 1 - d_o / d_e


# ------------------------------------------------------------------ sampling


def test_strata_follow_the_allocation_rule_and_weights(grouped_hits):
    docs, m = grouped_hits
    hits = theme_hits(m)
    hits["grp"] = hits["doc_id"].map(docs.set_index("doc_id")["grp"])
    for n in (0, 1, 5, 7, 10, 100):
        sample = sample_for_coding(m, n_per_theme=n, by="grp", seed=3)
        for theme in ("peace", "war"):
            groups = sorted(hits.loc[hits["theme"] == theme, "grp"].unique())
            sizes = [int(((hits["theme"] == theme) & (hits["grp"] == g)).sum()) for g in groups]
            expected = allocate_by_loop(sizes, n)
            got = [int(((sample["theme"] == theme) & (sample["grp"] == g)).sum()) for g in groups]
            assert got == expected, (n, theme)
            for g, size, k in zip(groups, sizes, expected, strict=True):
                w = sample.loc[(sample["theme"] == theme) & (sample["grp"] == g), "weight"]
                assert np.allclose(w, size / k) if k else w.empty
    sample = sample_for_coding(m, n_per_theme=7, by="grp", seed=3)
    # peace: 18, 2, 12 hits and 7 draws -> 2 each, the 7th to the largest group (a)
    assert allocate_by_loop([18, 2, 12], 7) == [3, 2, 2]
    # every drawn hit is a real hit with its context
    merged = sample.merge(hits, on=["doc_id", "unit_id", "theme", "entry", "position"])
    assert len(merged) == len(sample)
    assert (merged["match_x"] == merged["match_y"]).all()
    assert (merged["left_x"] == merged["left_y"]).all()
    assert (sample[["valid", "coder", "note"]] == "").all().all()
    assert list(sample["theme"].unique()) == ["peace", "war"]  # codebook order


def test_sampling_is_deterministic_and_depends_on_the_seed(grouped_hits):
    _, m = grouped_hits
    a = sample_for_coding(m, n_per_theme=5, seed=11)
    b = sample_for_coding(m, n_per_theme=5, seed=11)
    pd.testing.assert_frame_equal(a, b)
    others = [set(sample_for_coding(m, n_per_theme=5, seed=s)["hit_id"]) for s in range(5)]
    assert len({frozenset(o) for o in others}) > 1
    assert (a["weight"] == a["theme"].map({"peace": 32 / 5, "war": 8 / 5})).all()


def test_draws_are_uniform_within_a_stratum(grouped_hits):
    _, m = grouped_hits
    hits = theme_hits(m)
    war = set(hit_ids(hits[hits["theme"] == "war"]))  # 8 hits, 2 drawn per seed
    counts = dict.fromkeys(war, 0)
    for s in range(400):
        for h in sample_for_coding(m, n_per_theme=2, seed=s).query("theme == 'war'")["hit_id"]:
            counts[h] += 1
    # expected 100 each; a binomial(400, 1/4) lies in [60, 140] with overwhelming probability
    assert all(60 <= c <= 140 for c in counts.values()), counts


def test_hit_ids_are_stable_across_runs_and_a_grown_corpus(corpus, book):
    texts = ["peace and war, then peace", "war war peace", "only words here", "peace"]
    codebook = book(("peace", ["peace"]), ("war", ["war"]))
    small = corpus(*texts)
    grown = pd.concat(
        [corpus("war peace war peace war").assign(doc_id="new"), small], ignore_index=True
    )
    h1, h2 = theme_hits(small, codebook), theme_hits(small, codebook)
    assert hit_ids(h1).tolist() == hit_ids(h2).tolist()
    hg = theme_hits(grown, codebook)
    ids_g = dict(
        zip(zip(hg["doc_id"], hg["position"], hg["theme"], strict=True), hit_ids(hg), strict=True)
    )
    for key, hid in zip(
        zip(h1["doc_id"], h1["position"], h1["theme"], strict=True), hit_ids(h1), strict=True
    ):
        assert ids_g[key] == hid
    ids = hit_ids(hg)
    assert ids.is_unique and ids.str.fullmatch(r"hit-[0-9a-f]{16}").all()
    # the id is the digest of doc_id, unit_id, position and theme
    row = h1.iloc[0]
    key = "\x1f".join([row["doc_id"], row["unit_id"], str(row["position"]), row["theme"]])
    digest = hashlib.blake2b(key.encode(), digest_size=8).hexdigest()
    assert hit_ids(h1).iloc[0] == "hit-" + digest
    # a grown corpus keeps the old hits that were drawn, and draws no old hit it skipped
    old = sample_for_coding(match_themes(small, codebook), n_per_theme=2, seed=5)
    new = sample_for_coding(match_themes(grown, codebook), n_per_theme=2, seed=5)
    old_hits = set(hit_ids(h1))
    assert (set(new["hit_id"]) & old_hits) <= set(old["hit_id"])


def test_seed_hits_sample(seed_corpus, seed_codebook):
    hits = theme_hits(match_themes(read_corpus("seeds"), load_themes(seed_codebook)))
    sample = sample_for_coding(hits, n_per_theme=6, seed=0)
    sizes = hits["theme"].value_counts()
    expected = {t: min(6, int(sizes[t])) for t in sizes.index}
    assert sample["theme"].value_counts().to_dict() == expected
    assert sample["hit_id"].is_unique
    assert (sample["weight"] == sample["theme"].map(sizes / sample["theme"].value_counts())).all()
    again = sample_for_coding(seed_corpus.pipe(match_themes, seed_codebook), n_per_theme=6)
    assert set(again["hit_id"]) == set(sample["hit_id"])


def test_sheet_is_written_once_in_utf8(tmp_path, grouped_hits):
    _, m = grouped_hits
    path = tmp_path / "coding.csv"
    sample = sample_for_coding(m, n_per_theme=4, by="grp", path=path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for spreadsheet programs
    back = read_sheet(path)
    assert list(back.columns) == list(sample.columns)
    assert back["hit_id"].tolist() == sample["hit_id"].tolist()
    with pytest.raises(AnalysisError, match=r"coding\.csv' exists and may hold codes"):
        sample_for_coding(m, n_per_theme=9, path=path)
    assert path.read_bytes() == raw
    with pytest.raises(AnalysisError, match="the folder .* does not exist"):
        sample_for_coding(m, path=tmp_path / "nowhere" / "c.csv")


# ------------------------------------------------------------------ the round trip


def test_round_trip_precision_with_wilson_intervals(tmp_path, grouped_hits):
    _, m = grouped_hits
    path = tmp_path / "coding.csv"
    sample_for_coding(m, n_per_theme=12, seed=1, path=path)
    sheet = read_sheet(path)
    rng = np.random.default_rng(0)
    codes = rng.choice(["yes", "No", " y", "0", "TRUE", ""], size=len(sheet))
    sheet["valid"] = codes
    sheet["coder"] = "ann"
    filled = tmp_path / "filled.csv"
    sheet.to_csv(filled, index=False)
    result = coding_precision(filled, level=0.9, min_codes=3)
    theme_rows = result.precision[result.precision["level"] == "theme"].set_index("theme")
    for theme in ("peace", "war"):
        n_coded = n_valid = n_uncoded = 0
        for t, v in zip(sheet["theme"], sheet["valid"], strict=True):
            if t != theme:
                continue
            v = v.strip().lower()
            if v == "":
                n_uncoded += 1
            else:
                n_coded += 1
                n_valid += v in ("yes", "y", "1", "true")
        row = theme_rows.loc[theme]
        assert (row["n_coded"], row["n_valid"], row["n_uncoded"]) == (n_coded, n_valid, n_uncoded)
        assert row["precision"] == pytest.approx(n_valid / n_coded)
        lo, hi = wilson_by_hand(n_valid, n_coded, 0.9)
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
        assert row["n_eff"] == pytest.approx(n_coded)
    assert result.n_uncoded == int((sheet["valid"] == "").sum())
    # entry rows only where min_codes codes exist
    entries = result.precision[result.precision["level"] == "entry"]
    assert (entries["n_coded"] >= 3).all()
    assert result.agreement.empty
    assert list(result.agreement.columns)[:4] == ["level", "theme", "coder_a", "coder_b"]


def test_wilson_interval_against_the_formula_and_edges():
    for k, n, level in [(0, 10, 0.95), (10, 10, 0.95), (3, 7, 0.8), (45, 50, 0.99), (1, 1, 0.5)]:
        lo, hi = wilson_interval(k, n, level)
        assert (float(lo), float(hi)) == pytest.approx(wilson_by_hand(k, n, level))
    lo, hi = wilson_interval(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


def test_wilson_interval_equals_statsmodels():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    for k, n in [(0, 5), (3, 9), (17, 20), (40, 40)]:
        expected = proportion.proportion_confint(k, n, alpha=0.05, method="wilson")
        assert wilson_interval(k, n) == pytest.approx(expected)


def test_weighted_precision_uses_the_weights_and_kish_n(tmp_path, grouped_hits):
    _, m = grouped_hits
    path = tmp_path / "coding.csv"
    sample_for_coding(m, n_per_theme=9, by="grp", seed=2, path=path)
    sheet = read_sheet(path)
    sheet["valid"] = np.where(sheet["grp"] == "a", "yes", "no")  # precision differs by group
    sheet["coder"] = "ann"
    result = coding_precision(sheet, by="grp", min_codes=2)
    row = result.precision.query("level == 'theme' and theme == 'peace'").iloc[0]
    part = sheet[sheet["theme"] == "peace"]
    w = [float(x) for x in part["weight"]]
    v = [1.0 if x == "yes" else 0.0 for x in part["valid"]]
    p = sum(a * b for a, b in zip(w, v, strict=True)) / sum(w)
    n_eff = sum(w) ** 2 / sum(a * a for a in w)
    assert row["precision"] == pytest.approx(p)
    assert row["n_eff"] == pytest.approx(n_eff)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson_by_hand(p * n_eff, n_eff, 0.95))
    assert p != pytest.approx(sum(v) / len(v))  # the weights matter here
    groups = result.precision[result.precision["level"] == "group"]
    got = dict(
        zip(zip(groups["theme"], groups["group"], strict=True), groups["precision"], strict=True)
    )
    assert got == {("peace", "a"): 1.0, ("peace", "b"): 0.0, ("peace", "c"): 0.0,
                   ("war", "b"): 0.0, ("war", "c"): 0.0}  # fmt: skip


def test_two_coders_one_code_per_hit_and_agreement(tmp_path, grouped_hits):
    _, m = grouped_hits
    sheet = sample_for_coding(m, n_per_theme=12, seed=4)
    rng = np.random.default_rng(7)
    ann = sheet.assign(coder="ann", valid=rng.choice(["yes", "no"], size=len(sheet), p=[0.7, 0.3]))
    bob = sheet.assign(coder="bob", valid=rng.choice(["y", "n"], size=len(sheet), p=[0.6, 0.4]))
    bob.loc[bob.index[:3], "valid"] = ""  # bob left three hits uncoded
    pa, pb = tmp_path / "ann.csv", tmp_path / "bob.csv"
    ann.to_csv(pa, index=False)
    bob.to_csv(pb, index=False)
    result = coding_precision([pa, pb], min_codes=100)
    # a hit is valid only when every coder who coded it (one or both) says yes
    a_yes = ann["valid"].eq("yes").to_numpy()
    b_code = bob["valid"].to_numpy()
    valid = [ay if bc == "" else (ay and bc == "y") for ay, bc in zip(a_yes, b_code, strict=True)]
    codes = result.codes.set_index("hit_id").loc[sheet["hit_id"]]
    assert codes["valid"].tolist() == valid
    peace = result.precision.query("level == 'theme' and theme == 'peace'").iloc[0]
    mask = (sheet["theme"] == "peace").to_numpy()
    assert peace["n_valid"] == sum(v for v, k in zip(valid, mask, strict=True) if k)
    overall = result.agreement.query("level == 'overall'").iloc[0]
    both = b_code != ""
    x = np.where(a_yes[both], 1, 0)
    y = np.where(b_code[both] == "y", 1, 0)
    assert (overall["coder_a"], overall["coder_b"], overall["n_hits"]) == ("ann", "bob", both.sum())
    assert overall["agreement"] == pytest.approx(np.mean(x == y))
    assert overall["kappa"] == pytest.approx(cohen_kappa_score(x, y))
    assert overall["alpha"] == pytest.approx(
        alpha_by_pairs([[a, b] for a, b in zip(x, y, strict=True)])
    )
    per_theme = result.agreement[result.agreement["level"] == "theme"]
    assert per_theme["n_hits"].sum() == both.sum()


def test_three_coders_majority(grouped_hits):
    _, m = grouped_hits
    sheet = sample_for_coding(m, n_per_theme=1, seed=0).iloc[:1]
    for votes, expected in [(("yes", "yes", "no"), True), (("yes", "no", "no"), False)]:
        rows = pd.concat(
            [sheet.assign(coder=c, valid=v) for c, v in zip("xyz", votes, strict=True)]
        )
        result = coding_precision(rows)
        assert result.codes["valid"].tolist() == [expected]
        assert len(result.agreement[result.agreement["level"] == "overall"]) == 3  # pairs


def test_cohen_kappa_equals_sklearn():
    rng = np.random.default_rng(1)
    for size in (5, 20, 200):
        a = rng.integers(0, 2, size)
        b = np.where(rng.random(size) < 0.7, a, 1 - a)
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
        c = rng.choice(list("xyz"), size)
        d = rng.choice(list("xyz"), size)
        assert cohen_kappa(c, d) == pytest.approx(cohen_kappa_score(c, d))
    assert np.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))


def test_krippendorff_alpha_textbook_examples():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": example A, binary
    # data, two observers, no missing values: alpha = 0.095
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha(np.column_stack([a, b])) == pytest.approx(0.095, abs=5e-4)
    # example C: nominal data, four observers, missing values: alpha = 0.743
    n = None
    units = [
        [1, 1, n, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [n, 5, 5, 5], [n, n, 1, 1], [n, 3, n, n],
    ]  # fmt: skip
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units) == pytest.approx(alpha_by_pairs(units))
    assert np.isnan(krippendorff_alpha([[1, 1], [1, 1]]))


# ------------------------------------------------------------------ errors


@pytest.fixture
def sheet(tmp_path, grouped_hits):
    """A filled one-coder sheet as a DataFrame, and a writer for variants of it."""
    _, m = grouped_hits
    table = sample_for_coding(m, n_per_theme=3, by="grp", seed=0)
    table = table.assign(valid="yes", coder="ann")

    def write(frame: pd.DataFrame, name: str = "c.csv", **kw):
        path = tmp_path / name
        frame.to_csv(path, index=False, **kw)
        return path

    return table, write


def test_reading_errors_name_file_and_row(sheet, tmp_path):
    table, write = sheet
    bad = table.copy()
    bad.loc[2, "valid"] = "maybe"
    with pytest.raises(AnalysisError, match=r"c\.csv, row 4: valid='maybe'; write yes or no"):
        coding_precision(write(bad))
    with pytest.raises(AnalysisError, match=r"c\.csv: no column 'coder' \(a required column\)"):
        coding_precision(write(table.drop(columns="coder")))
    with pytest.raises(AnalysisError, match=r"no column 'region' \(by='region'\)"):
        coding_precision(write(table), by="region")
    twice = pd.concat([table, table.iloc[[1]]], ignore_index=True)
    hid = table.loc[1, "hit_id"]
    with pytest.raises(
        AnalysisError,
        match=rf"c\.csv, row {len(table) + 2}: hit {hid} is coded a second time by coder "
        r"'ann' \(first in .*c\.csv, row 3\)",
    ):
        coding_precision(write(twice))
    p1, p2 = write(table, "one.csv"), write(table.assign(coder=" ann "), "two.csv")
    with pytest.raises(AnalysisError, match=r"two\.csv, row 2: hit .* second time .*one\.csv"):
        coding_precision([p1, p2])
    other = tmp_path / "other.csv"
    other.write_text("doc_id,valid\nd1,yes\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"other\.csv is not a coding sheet .*no hit_id"):
        coding_precision(other)
    forged = table.copy()
    forged.loc[0, "hit_id"] = "12345"
    with pytest.raises(AnalysisError, match=r"row 2: hit_id '12345' is not an id written by"):
        coding_precision(write(forged))
    moved = table.copy()
    moved.loc[len(moved)] = moved.loc[0]
    moved.loc[len(moved) - 1, ["theme", "coder"]] = ["war", "bob"]
    with pytest.raises(AnalysisError, match=r"has theme='war' but theme='peace'"):
        coding_precision(write(moved))
    weights = table.copy()
    weights["weight"] = weights["weight"].astype(object)
    weights.loc[1, "weight"] = "-2"
    with pytest.raises(AnalysisError, match=r"row 3: weight='-2' must be a number above 0"):
        coding_precision(write(weights))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(write(table.assign(note="café")).read_bytes().decode().encode("latin-1"))
    with pytest.raises(AnalysisError, match=r"latin\.csv: not UTF-8 .*save it as 'CSV UTF-8'"):
        coding_precision(latin)
    with pytest.raises(AnalysisError, match=r"missing\.csv: no such file"):
        coding_precision(tmp_path / "missing.csv")
    with pytest.raises(AnalysisError, match="the table, row 0: valid='perhaps'"):
        coding_precision(table.assign(valid="perhaps"))


def test_reads_semicolon_sheets_and_frames(sheet):
    table, write = sheet
    from_file = coding_precision(write(table, sep=";")).precision
    pd.testing.assert_frame_equal(from_file, coding_precision(table).precision)
    assert from_file["n_coded"].sum() == len(table)


def test_parameter_errors(grouped_hits, corpus, sheet):
    docs, m = grouped_hits
    table, _ = sheet
    with pytest.raises(AnalysisError, match="n_per_theme=-1 must be a whole number >= 0"):
        sample_for_coding(m, n_per_theme=-1)
    with pytest.raises(AnalysisError, match="seed=1.5 must be a whole number"):
        sample_for_coding(m, seed=1.5)
    with pytest.raises(AnalysisError, match="by='region' is neither a column of the hits nor"):
        sample_for_coding(m, by="region")
    with pytest.raises(AnalysisError, match="window=3: a hit table already has its context"):
        sample_for_coding(theme_hits(m), window=3)
    with pytest.raises(AnalysisError, match="data is a corpus, not hits"):
        sample_for_coding(docs)
    with pytest.raises(AnalysisError, match="sample_for_coding: the table has no column 'match'"):
        sample_for_coding(theme_hits(m).drop(columns="match"))
    hits = theme_hits(m)
    with pytest.raises(AnalysisError, match="appears more than once; pass each hit once"):
        sample_for_coding(pd.concat([hits, hits.iloc[:1]]))
    with pytest.raises(AnalysisError, match="level=95 must be between 0 and 1"):
        coding_precision(table, level=95)
    with pytest.raises(AnalysisError, match="min_codes=0 must be a whole number >= 1"):
        coding_precision(table, min_codes=0)
    with pytest.raises(AnalysisError, match="data is an empty list"):
        coding_precision([])


def test_window_widens_the_context_of_matches(grouped_hits):
    _, m = grouped_hits
    narrow = sample_for_coding(m, n_per_theme=3, seed=0, window=1)
    wide = sample_for_coding(m, n_per_theme=3, seed=0)
    assert narrow["hit_id"].tolist() == wide["hit_id"].tolist()
    assert (narrow["left"].str.split().str.len() <= 1).all()
    assert (wide["left"].str.len() >= narrow["left"].str.len()).all()


# ------------------------------------------------------------------ the valid parser

TOKENS = {"yes": True, "y": True, "1": True, "true": True}
TOKENS |= {"no": False, "n": False, "0": False, "false": False}
SPACE = st.text(alphabet=" \t", max_size=3)


@given(
    token=st.sampled_from(sorted(TOKENS)),
    upper=st.lists(st.booleans(), min_size=5, max_size=5),
    left=SPACE,
    right=SPACE,
)
def test_parse_valid_accepts_every_spelling(token, upper, left, right):
    cased = "".join(c.upper() if u else c for c, u in zip(token, upper, strict=False))
    assert parse_valid(left + cased + right) is TOKENS[token]


@given(st.text(max_size=8))
def test_parse_valid_rejects_everything_else(text):
    key = text.strip().lower()
    if key == "":
        assert parse_valid(text) is None
    elif key in TOKENS:
        assert parse_valid(text) is TOKENS[key]
    else:
        with pytest.raises(ValueError):
            parse_valid(text)


def test_parse_valid_numbers_and_missing():
    assert parse_valid(1) is True and parse_valid(0.0) is False and parse_valid(True) is True
    assert parse_valid(None) is None and parse_valid(float("nan")) is None
    with pytest.raises(ValueError):
        parse_valid(2)


def test_partly_coded_strata_are_reweighted_by_their_coded_hits():
    """Stratum A: 20 hits, 10 sampled (weight 2), all valid; stratum B: 200 hits, 10
    sampled (weight 20), 2 coded not valid, 8 blank. The estimate is 20 / 220."""
    rows = [("A", 2.0, "yes")] * 10 + [("B", 20.0, "no" if i < 2 else "") for i in range(10)]
    sheet = pd.DataFrame(
        {
            "hit_id": [f"hit-{i:016x}" for i in range(20)],
            "doc_id": [f"d{i}" for i in range(20)],
            "theme": "t",
            "entry": "e",
            "grp": [r[0] for r in rows],
            "weight": [r[1] for r in rows],
            "valid": [r[2] for r in rows],
            "coder": ["ann" if r[2] else "" for r in rows],
        }
    )
    result = coding_precision(sheet)
    row = result.precision.iloc[0]
    assert row["n_coded"] == 12 and row["n_uncoded"] == 8
    assert row["precision"] == pytest.approx(20 / 220)
