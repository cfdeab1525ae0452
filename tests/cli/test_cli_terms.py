"""The term-statistics commands through ``analysis.cli.main``."""

from __future__ import annotations

import importlib.util
import io

import pandas as pd
import pytest

import analysis.cli as cli


@pytest.fixture(autouse=True)
def _only_available_commands(monkeypatch):
    # Other commands of COMMANDS are written in parallel branches; build the parser from
    # the modules present so these tests exercise the term commands on any branch.
    present = tuple(c for c in cli.COMMANDS if importlib.util.find_spec(f"analysis.cli.{c}"))
    assert "terms" in present
    monkeypatch.setattr(cli, "COMMANDS", present)


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def csv(out: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(out))


def test_keywords_by_year_csv(capsys, seeds_dir):
    code, out, err = run(
        capsys,
        "keywords",
        "--corpus",
        str(seeds_dir),
        "--by",
        "year",
        "--top",
        "4",
        "--format",
        "csv",
    )
    assert code == 0, err
    table = csv(out)
    assert list(table.columns) == ["group", "term", "score", "rank", "count", "n_docs"]
    assert table.groupby("group").size().to_dict() == {2010: 4, 2020: 4, 2025: 4}


def test_keywords_table_with_ngrams_has_phrases(capsys, seeds_dir):
    code, out, _ = run(
        capsys, "keywords", "--corpus", str(seeds_dir), "--ngram", "2", "2", "--top", "3"
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["group", "term", "score", "rank", "count", "n_docs"]
    assert len(lines) == 1 + 5 * 3


def test_frequencies_of_terms(capsys, seeds_dir):
    code, out, _ = run(
        capsys, "frequencies", "--corpus", str(seeds_dir), "--by", "year",
        "--terms", "war", "multilateralism", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = csv(out)
    assert table["term"].tolist() == ["war", "multilateralism"] * 3
    assert (table["rate_per_1k"] == 1000 * table["count"] / table["tokens"]).all()


def test_keyness_log_likelihood(capsys, seeds_dir):
    code, out, _ = run(
        capsys, "keyness", "--corpus", str(seeds_dir), "--by", "year", "--target", "2025",
        "--measure", "log_likelihood", "--top", "3", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = csv(out)
    assert len(table) == 6 and set(table["measure"]) == {"log_likelihood"}
    assert (table["z"].iloc[:3] > 0).all() and (table["z"].iloc[3:] < 0).all()
    assert (table["supported"] == (table["z"].abs() >= 1.959964)).all()


def test_keyness_level_sets_the_noise_floor(capsys, seeds_dir):
    argv = ["keyness", "--corpus", str(seeds_dir), "--by", "source", "--target", "CGTN"]
    code, out, _ = run(capsys, *argv, "--level", "0.99", "--format", "csv")
    assert code == 0
    table = csv(out)
    assert set(table["level"]) == {0.99}
    assert (table["supported"] == (table["z"].abs() >= 2.5758293035489004)).all()
    assert table["supported"].any() and not table["supported"].all()


def test_kwic_phrase_positional(capsys, seeds_dir):
    code, out, _ = run(
        capsys, "kwic", "--corpus", str(seeds_dir), "community with a shared future",
        "--window", "3", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = csv(out)
    assert len(table) >= 2
    assert table["match"].str.lower().eq("community with a shared future").all()


def test_collocations(capsys, seeds_dir):
    code, out, _ = run(
        capsys, "collocations", "--corpus", str(seeds_dir), "--measure", "likelihood_ratio",
        "--top", "5", "--format", "csv",
    )  # fmt: skip
    assert code == 0
    table = csv(out)
    assert list(table.columns) == ["ngram", "score", "count"] and len(table) == 5


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["keywords", "--by", "yaer"], "by='yaer'"),
        (["keyness", "--by", "year", "--target", "2024"], "target=2024"),
        (["keyness", "--by", "year", "--target", "2025", "--reference", "2025"], "share 2025"),
        (["keyness", "--by", "year", "--target", "2025", "--level", "95"], "level=95.0"),
        (["frequencies", "--terms", "qqqq"], "'qqqq'"),
        (["kwic", "***"], "pattern="),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, seeds_dir, argv, needle):
    code, out, err = run(capsys, argv[0], "--corpus", str(seeds_dir), *argv[1:])
    assert code == 2
    lines = [line for line in err.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and needle in lines[0]
    assert "Traceback" not in err


def test_collocations_window_flag_is_the_span(capsys, seeds_dir, seed_corpus):
    from analysis import collocations

    code, out, err = run(
        capsys, "collocations", "--corpus", str(seeds_dir), "--window", "3",
        "--top", "5", "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    expected = collocations(seed_corpus, span=3, top_n=5)
    assert csv(out)["ngram"].tolist() == expected["ngram"].tolist()


def test_columns_option_renames_table_columns(capsys, tmp_path):
    table = pd.DataFrame(
        {
            "id": ["a", "b"],
            "published": ["2020-01-02", "2021-03-04"],
            "body": ["Peace and war. Peace again.", "War, war and peace."],
        }
    )
    path = tmp_path / "corpus.csv"
    table.to_csv(path, index=False)
    code, out, err = run(
        capsys, "kwic", "--corpus", str(path), "--columns", "id=doc_id,published=date",
        "--text-column", "body", "peace", "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    assert csv(out)["doc_id"].tolist() == ["a", "a", "b"]
    with pytest.raises(SystemExit):
        run(capsys, "kwic", "--corpus", str(path), "--columns", "id", "peace")
    assert "OLD=NEW" in capsys.readouterr().err


def test_main_restores_showwarning(capsys, seeds_dir):
    import warnings

    before = warnings.showwarning
    code, _, _ = run(capsys, "kwic", "--corpus", str(seeds_dir), "peace")
    assert code == 0 and warnings.showwarning is before
