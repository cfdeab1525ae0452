"""End to end: render the seed study and the UN General Debate example, then read them as a
reviewer would. Slow (two full reports, about a minute each); part of ``make test``.

(a) nothing of the seed study in the example's report; (b) no interval from a group of
fewer than ``min_docs`` documents in any table; (c) a finding that uses a comparative word
cites a saved table row whose ``supported`` is True; (d) the seed study's notes appear in its
own report only, marked as the authors' reading.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.evidence import COMPARATIVE_WORDS, MIN_DOCS
from analysis.report import render

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
EXAMPLE = ROOT / "examples" / "ungdc-sample"

pytestmark = pytest.mark.slow

# the seed study's own words; "seed" alone is also the random seed of a method, so it is
# matched only where it names the study
SEED_STUDY = re.compile(
    r"Shanxi|five articles|five seed|\bseed (?:stud(?:y|ies)|articles?|corpus|report)\b|"
    r"\bthe seeds\b|seeds/|CGTN|People's Daily|Shanghai Daily",
    re.I,
)
COMPARATIVE = re.compile(r"\b(?:" + "|".join(COMPARATIVE_WORDS) + r")\b", re.I)
# a bound, not a comparison of groups ("at least 5 documents", "at most 12 groups")
BOUND = re.compile(r"\bat (?:least|most)\b", re.I)
# the columns that count the documents behind an interval (n_coded: the hand-coded hits
# behind a Wilson interval of precision)
SIDES = (
    "n_docs", "n_a", "n_b", "n_docs_a", "n_docs_b", "n_docs_target", "n_docs_reference",
    "n_coded",
)  # fmt: skip
# embedded figures: base64 is not prose (and spells any four letters somewhere)
EMBEDDED = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


@pytest.fixture(scope="session")
def reports(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("e2e")
    return {
        "seeds": render(SEEDS, base / "seeds", SEEDS / "report.yaml", quiet=True, jobs=2),
        "example": render(EXAMPLE, base / "example", EXAMPLE / "report.yaml", quiet=True, jobs=2),
    }


def _provenance(out: Path) -> dict:
    return json.loads((out / "provenance.json").read_text(encoding="utf-8"))


def _text_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.suffix in (".html", ".csv", ".json"))


def test_no_seed_study_words_in_the_example_report(reports):
    import analysis

    # the example's own words are fine: a phrase its speeches use ("the seeds of ...") is
    # quoted in its hit tables
    own = " ".join(analysis.read_corpus(EXAMPLE)["text"]).lower()
    hits = []
    for p in _text_files(reports["example"]):
        text = EMBEDDED.sub("", p.read_text(encoding="utf-8"))
        if p.name == "provenance.json":  # the command line and paths are not report prose
            prov = json.loads(text)
            text = json.dumps({k: v for k, v in prov.items() if k not in ("command", "versions")})
        hits += [
            f"{p.relative_to(reports['example'])}: {m.group(0)!r}"
            for m in SEED_STUDY.finditer(text)
            if m.group(0).lower() not in own
        ]
    assert not hits, hits[:10]
    # the check itself can fail: the seed report does hold those words
    assert any(
        SEED_STUDY.search(p.read_text(encoding="utf-8")) for p in _text_files(reports["seeds"])
    )


def _section_tables(out: Path) -> list[tuple[str, Path]]:
    prov = _provenance(out)
    return [
        (name, out / rel)
        for name, rec in prov["sections"].items()
        for rel in rec["files"]
        if rel.startswith("tables/") and rel.endswith(".csv")
    ]


def _min_docs(prov: dict, section: str) -> int:
    return int(prov["parameters"]["notebooks"].get(section, {}).get("min_docs", MIN_DOCS))


def _interval_violations(out: Path) -> list[str]:
    prov = _provenance(out)
    bad = []
    for section, path in _section_tables(out):
        table = pd.read_csv(path)
        ci = [
            c
            for c in table.columns
            if c in ("ci_low", "ci_high") or c.startswith(("ci_low_", "ci_high_"))
        ]
        if not ci:
            continue
        rows = table[table[ci].notna().any(axis=1)]
        if rows.empty:
            continue
        sides = [c for c in SIDES if c in table.columns]
        if not sides:
            bad.append(f"{path.name}: intervals without a document count (n_docs or n_a/n_b)")
            continue
        floor = _min_docs(prov, section)
        small = rows[(rows[sides] < floor).any(axis=1)]
        for _, row in small.head(3).iterrows():
            bad.append(f"{path.name}: interval from {dict(row[sides])} documents (< {floor})")
    return bad


@pytest.mark.parametrize("study", ["seeds", "example"])
def test_every_interval_comes_from_at_least_min_docs_documents(reports, study):
    bad = _interval_violations(reports[study])
    assert not bad, bad[:10]


def _finding_violations(out: Path) -> list[str]:
    bad = []
    for p in sorted((out / "findings").glob("*.json")):
        for f in json.loads(p.read_text(encoding="utf-8")):
            text = f["text"]
            word = COMPARATIVE.search(BOUND.sub("", text))
            if not word:
                continue
            where = f"{p.name}: {word.group(0)!r} in {text[:120]!r}"
            if f.get("supported") is not True:
                bad.append(f"{where}: supported is {f.get('supported')!r}")
                continue
            table = out / "tables" / f"{f.get('table')}.csv"
            if not f.get("table") or not table.is_file():
                bad.append(f"{where}: cites no saved table ({f.get('table')!r})")
                continue
            data = pd.read_csv(table, dtype=str, keep_default_na=False)
            mask = pd.Series(True, index=data.index)
            for col, value in (f.get("row") or {}).items():
                if col not in data.columns:
                    mask &= False
                    continue
                mask &= data[col] == str(value)
            rows = data[mask]
            if rows.empty or "supported" not in data.columns:
                bad.append(
                    f"{where}: no row {f.get('row')} with a supported column in {table.name}"
                )
            elif not (rows["supported"].str.lower() == "true").all():
                bad.append(f"{where}: row {f.get('row')} of {table.name} is not supported")
    return bad


@pytest.mark.parametrize("study", ["seeds", "example"])
def test_comparative_findings_cite_a_supported_row(reports, study):
    bad = _finding_violations(reports[study])
    assert not bad, bad[:10]


def test_seed_notes_only_in_the_seed_report_and_marked_as_the_authors_reading(reports):
    notes = sorted((SEEDS / "notes").glob("*.md"))
    assert notes
    seeds, example = reports["seeds"], reports["example"]
    index = (seeds / "index.html").read_text(encoding="utf-8")
    for note in notes:
        page = (seeds / f"{note.stem}.html").read_text(encoding="utf-8")
        box = page.index('<aside class="authors-reading"')
        head = page[box : box + 400]
        assert "Authors' reading" in head and "not computed by the toolkit" in head
        assert f"notes/{note.name})" in head  # the note's file is named
        assert f"{note.stem}.html#authors-reading" in index
        # a phrase of the note, in the box and nowhere in the example
        first = re.sub(r"[*_`\"]", "", note.read_text(encoding="utf-8").split("\n")[0]).strip()[:40]
        assert first in re.sub(r"<[^>]+>", "", page[box:]).replace("&quot;", "").replace(
            "&#x27;", "'"
        )
        for p in _text_files(example):
            assert first not in p.read_text(encoding="utf-8"), p
    assert "authors-reading" not in "".join(
        p.read_text(encoding="utf-8").replace("aside.authors-reading", "")
        for p in example.glob("*.html")
    )
    assert _provenance(example)["notes"] is None
