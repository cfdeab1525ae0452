"""Write notebooks/02-keywords.ipynb and notebooks/05-compare.ipynb (issue 3).

Run ``python notebooks/make_terms_notebooks.py`` after editing this file; the notebooks
are stored without outputs, and exactly one code cell is tagged ``parameters``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str):
    return new_markdown_cell(text.strip())


def code(text: str, tags: list[str] | None = None):
    cell = new_code_cell(text.strip())
    if tags:
        cell.metadata["tags"] = tags
    return cell


LOAD = """
import analysis
from analysis.plot import set_theme
from analysis.plot_terms import plot_keyness, plot_keywords, plot_term_rates

set_theme()
options = {}
if pattern:
    options["pattern"] = pattern
if text_column:
    options["columns"] = {text_column: "text"}
docs = analysis.read_corpus(corpus, **options)
ngrams = (int(ngram_range[0]), int(ngram_range[-1]))
dtm = analysis.build_dtm(docs, unit=unit, ngram_range=ngrams, stem=stem, min_df=min_df)
print(f"{len(docs)} documents, {int(docs['n_tokens'].sum()):,} word tokens; {dtm}")
"""

GROUPS = '''
def usable(column):
    """A grouping column exists, has no missing values and at least two values."""
    if column not in dtm.docs.columns:
        print(f"skipping {column!r}: not a column of this corpus")
        return False
    values = dtm.docs[column]
    if values.isna().any():
        print(f"skipping {column!r}: {int(values.isna().sum())} units have no value")
        return False
    if values.nunique() < 2:
        print(f"skipping {column!r}: only one value")
        return False
    return True
'''


def keywords_notebook():
    cells = [
        md(
            """
# Keywords: which words characterize each source and each year?

This notebook ranks the terms of each group of texts (each source, each year, or any
metadata column) by **TF-IDF**: how often a term is used in the group (per token),
weighted up when few other groups use it. It then lists **collocations**, words that
occur together more often than chance, and shows the top keywords **in context** (KWIC)
so that every number can be read back in the sentences it comes from.

TF-IDF here is `tf = count / tokens of the group` times the smooth idf
`ln((1 + G) / (1 + df)) + 1` over the `G` groups (see `analysis.tfidf_keywords`).
Keywords *describe* what distinguishes the texts at hand; they are not a test. With five
articles, a source or a year is a single text or three, so read the lists as a summary of
those articles, not of a newspaper or of a year.
"""
        ),
        code(
            """
corpus: str = "../seeds"  # corpus: a folder of .txt files (with metadata.csv, or a file-name pattern) or a CSV/JSONL/Parquet file
out: str = "../reports"  # report folder: figures/, tables/ and findings/ are written here
pattern: str | None = None  # file-name template for folders without metadata.csv, e.g. "{year}/{country}_{session}_{year}.txt"
text_column: str | None = None  # text column of a CSV/JSONL/Parquet corpus, when it is not called "text"
group_cols: list = ["source", "year"]  # metadata columns to group by; absent ones are skipped
unit: str = "document"  # unit of the document-term matrix: document, paragraph or sentence
ngram_range: list = [1, 2]  # smallest and largest n-gram length, e.g. [1, 1] or [1, 3]
stem: bool = False  # Snowball stemming (terms are shown as their most frequent word form)
min_df: int = 1  # drop terms that occur in fewer units
top_n: int = 10  # keywords per group
max_panels: int = 12  # at most this many groups in a keyword figure (the last ones in sort order)
collocation_min_freq: int = 3  # minimum count of a collocation
kwic_terms: int = 3  # show keyword-in-context lines for this many top keywords
kwic_window: int = 8  # words of context on each side
kwic_rows: int = 10  # at most this many KWIC lines per keyword
""",
            tags=["parameters"],
        ),
        md("## The corpus and its document-term matrix"),
        code(LOAD),
        code(GROUPS),
        md(
            """
## Keywords by group

For each grouping column, the `top_n` terms of every group. A figure shows at most
`max_panels` groups (for years: the most recent); the table has them all. Each panel has
its own scale: compare rankings within a panel, not bar lengths across panels.
"""
        ),
        code(
            """
keyword_tables = {}
for column in [c for c in group_cols if usable(c)]:
    table = analysis.tfidf_keywords(dtm, by=column, top=top_n)
    keyword_tables[column] = table
    analysis.save_table(table, f"keywords-by-{column}", out=out)
    shown = sorted(table["group"].unique())[-max_panels:]
    fig = plot_keywords(
        table[table["group"].isin(shown)],
        top=top_n,
        title=f"Top {top_n} TF-IDF terms by {column}",
    )
    analysis.save_figure(fig, f"keywords-by-{column}", out=out)
"""
        ),
        md(
            """
## Keywords by document

The same ranking with every document as its own group (idf over documents): what sets each
text apart from the others.
"""
        ),
        code(
            """
by_doc = analysis.tfidf_keywords(dtm, by=None, top=top_n)
analysis.save_table(by_doc, "keywords-by-document", out=out)
by_doc.groupby("group", sort=False)["term"].apply(", ".join).to_frame("top terms").head(30)
"""
        ),
        md(
            """
## Collocations

Word pairs within documents (never across two documents), without stop words, seen at
least `collocation_min_freq` times. **PMI** favours pairs whose words rarely occur apart
(names, fixed formulas); the **likelihood ratio** favours pairs that are both frequent and
associated. Triples show the longer formulas.
"""
        ),
        code(
            """
pmi = analysis.collocations(docs, n=2, measure="pmi", min_freq=collocation_min_freq, top=20)
llr = analysis.collocations(
    docs, n=2, measure="likelihood_ratio", min_freq=collocation_min_freq, top=20
)
tri = analysis.collocations(
    docs, n=3, measure="likelihood_ratio", min_freq=max(2, collocation_min_freq - 1), top=20
)
analysis.save_table(pmi, "keywords-collocations-bigrams-pmi", out=out)
analysis.save_table(llr, "keywords-collocations-bigrams-likelihood", out=out)
analysis.save_table(tri, "keywords-collocations-trigrams-likelihood", out=out)
display(llr.head(15))
display(tri.head(10))
"""
        ),
        md(
            """
## Keywords in context

The highest-ranked keyword of each group (first grouping column), shown in the sentences
it comes from, `kwic_window` words either side: at most `kwic_rows` lines per keyword,
taking the first occurrence in each document before the second.
"""
        ),
        code(
            """
if keyword_tables:
    first = next(iter(keyword_tables.values()))
    leaders = first.sort_values(["rank", "score"], ascending=[True, False])["term"]
else:
    leaders = by_doc.sort_values(["rank", "score"], ascending=[True, False])["term"]
queries = list(dict.fromkeys(leaders))[:kwic_terms]
lines = analysis.kwic(docs, queries, window=kwic_window)
# spread the lines over the documents: first hit of each document, then the second, ...
lines["nth"] = lines.groupby(["pattern", "doc_id"], sort=False).cumcount()
lines["query"] = lines["pattern"].map({q: i for i, q in enumerate(queries)})
lines = lines.sort_values(["query", "nth"], kind="stable").groupby("pattern", sort=False).head(kwic_rows)
lines = lines.drop(columns=["nth", "query"]).reset_index(drop=True)
analysis.save_table(lines, "keywords-kwic-top-keywords", out=out)
print("keywords shown in context:", ", ".join(queries))
lines
"""
        ),
        code(
            """
findings = []
for column, table in keyword_tables.items():
    tops = table[table["rank"] <= 3].groupby("group", sort=True)["term"].apply(", ".join)
    shown = "; ".join(f"{g}: {t}" for g, t in list(tops.items())[-6:])
    findings.append(f"Top TF-IDF terms by {column} ({top_n} per group in the table): {shown}.")
if len(llr):
    findings.append("Strongest collocations (likelihood ratio): " + ", ".join(llr["ngram"].head(5)) + ".")
analysis.save_findings(findings, section="02-keywords", out=out)
for f in findings:
    print("-", f)
"""
        ),
        md(
            """
## Conclusion

On the five seed articles, the keyword lists separate the texts by their occasion more
than by their outlet. The 2010 People's Daily piece is about Russian and Soviet veterans
and the 65th anniversary; the 2020 Shanghai Daily report centres on Xi, "aggression" and
"the Chinese people"; in 2025, terms of diplomacy ("international", "cooperation",
"countries", "bilateral", "Europe") join the war vocabulary, and CGTN's explainer is about
Shanxi and the Hundred Regiments campaign. Collocations recover the fixed formulas of
official English ("anti-fascist war", "Japanese aggression", "achieve national
rejuvenation", "Great Patriotic War"), and the KWIC lines show the top keywords inside
such formulas rather than in free description.

Each source here is one article and each year one to three, so every difference is a
difference between particular texts: these lists describe the seed corpus and suggest
what to measure on a larger one (see the themes and comparison sections); they do not
support claims about outlets or years in general. Run the notebook on another corpus with
`corpus=...` and `group_cols=[...]`; the text above refers to the seeds.
"""
        ),
    ]
    return cells


def compare_notebook():
    cells = [
        md(
            """
# Comparing groups: keyness over time and between sources

Which terms are used *more* in one group of texts than in another? This notebook compares
a target year with the earlier years, then each source with all the others, and follows
the most distinctive terms over time as rates per 1,000 tokens.

The default statistic is the **log-odds ratio with an informative Dirichlet prior**
(Monroe, Colaresi & Quinn 2008): the difference in a term's log-odds between target and
reference, shrunk toward zero for rare terms by a prior built from the whole corpus, with
a z-score. Dunning's G² and Pearson's χ² are available through `measure`. All treat tokens
as independent draws, which words in an article are not: with a handful of articles the
z-scores rank terms by how distinctive they are; they are not evidence that a newspaper
or a year differs in general.
"""
        ),
        code(
            """
corpus: str = "../seeds"  # corpus: a folder of .txt files (with metadata.csv, or a file-name pattern) or a CSV/JSONL/Parquet file
out: str = "../reports"  # report folder: figures/, tables/ and findings/ are written here
pattern: str | None = None  # file-name template for folders without metadata.csv, e.g. "{year}/{country}_{session}_{year}.txt"
text_column: str | None = None  # text column of a CSV/JSONL/Parquet corpus, when it is not called "text"
time_col: str = "year"  # ordered column for the comparison over time; skipped if absent
target: str = ""  # value of time_col to compare with the earlier ones; empty means the latest
group_col: str = "source"  # each of its values against all the others; skipped if absent
max_groups: int = 8  # compare at most this many groups of group_col (the largest by tokens)
measure: str = "log_odds_dirichlet"  # log_odds_dirichlet, log_likelihood or chi2
unit: str = "document"  # unit of the document-term matrix: document, paragraph or sentence
ngram_range: list = [1, 2]  # smallest and largest n-gram length, e.g. [1, 1] or [1, 3]
stem: bool = False  # Snowball stemming (terms are shown as their most frequent word form)
min_df: int = 1  # drop terms that occur in fewer units
top_n: int = 15  # terms on each side of a keyness figure
rate_terms: list = []  # terms to follow over time; empty means the 3 most distinctive on each side
""",
            tags=["parameters"],
        ),
        md("## The corpus and its document-term matrix"),
        code(LOAD),
        code(GROUPS),
        md(
            """
## A target period against the earlier ones

The target is the latest value of `time_col` unless a `target` is given; the reference is
every earlier value. Terms on the right are used more in the target, terms on the left
more in the reference.
"""
        ),
        code(
            """
time_table = None
if usable(time_col):
    values = sorted(dtm.docs[time_col].unique())
    chosen = values[-1] if not target else next(v for v in values if str(v) == str(target))
    earlier = [v for v in values if v < chosen]
    reference = earlier if earlier else None
    time_table = analysis.keyness(
        dtm, by=time_col, target=chosen, reference=reference, measure=measure
    )
    analysis.save_table(time_table, f"compare-keyness-{time_col}-{chosen}", out=out)
    ax = plot_keyness(time_table, top=top_n)
    analysis.save_figure(ax, f"compare-keyness-{time_col}-{chosen}", out=out)
    display(time_table.head(top_n))
"""
        ),
        md(
            """
### Do the measures agree?

The three statistics weigh frequency and rarity differently. The share of the top terms
that two measures have in common shows how much the ranking depends on that choice.
"""
        ),
        code(
            """
if time_table is not None:
    tops = {}
    for m in ("log_odds_dirichlet", "log_likelihood", "chi2"):
        t = analysis.keyness(dtm, by=time_col, target=chosen, reference=reference, measure=m)
        tops[m] = set(t.head(top_n)["term"])
    rows = [
        {"measure_a": a, "measure_b": b, "shared_top_terms": len(tops[a] & tops[b]), "top_n": top_n}
        for i, a in enumerate(tops)
        for b in list(tops)[i + 1 :]
    ]
    agreement = pd.DataFrame(rows)
    analysis.save_table(agreement, "compare-keyness-measure-agreement", out=out)
    display(agreement)
"""
        ),
        md(
            """
## Each source against the rest

Every value of `group_col` (at most `max_groups`, the largest by tokens) against all the
other texts pooled.
"""
        ),
        code(
            """
import re

group_tables = []
if usable(group_col):
    sizes = dtm.docs.groupby(group_col)["n_tokens"].sum().sort_values(ascending=False)
    for value in sizes.index[:max_groups]:
        table = analysis.keyness(dtm, by=group_col, target=value, measure=measure)
        group_tables.append(table)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", str(value)).strip("-").lower() or "group"
        ax = plot_keyness(table, top=min(top_n, 10))
        analysis.save_figure(ax, f"compare-keyness-{group_col}-{slug}-vs-rest", out=out)
if group_tables:
    pooled = pd.concat(group_tables, ignore_index=True)
    analysis.save_table(pooled, f"compare-keyness-{group_col}-vs-rest", out=out)
    display(pooled.groupby("target", sort=False).head(5)[["target", "term", "z", "count_target"]])
"""
        ),
        md(
            """
## Distinctive terms over time

Rates per 1,000 tokens (tokens counted before stop-word removal) of the terms that set the
target period apart, in every period. A rate from a single article moves a lot with one
more or one fewer mention: read the lines as the history of these texts.
"""
        ),
        code(
            """
if time_table is not None:
    terms = list(rate_terms) or (
        time_table.head(3)["term"].tolist() + time_table.tail(3)["term"].tolist()
    )
    rates = analysis.term_frequencies(dtm, by=time_col, terms=terms)
    rates = rates.rename(columns={"group": time_col})
    analysis.save_table(rates, f"compare-term-rates-by-{time_col}", out=out)
    ax = plot_term_rates(rates, x=time_col, title=f"Distinctive terms by {time_col}")
    analysis.save_figure(ax, f"compare-term-rates-by-{time_col}", out=out)
"""
        ),
        code(
            """
findings = []
if time_table is not None:
    more = ", ".join(time_table.head(5)["term"])
    less = ", ".join(time_table.tail(5)["term"][::-1])
    findings.append(
        f"{time_col} {time_table['target'].iloc[0]} against {time_table['reference'].iloc[0]} "
        f"({measure}): more {more}; less {less}."
    )
for table in group_tables[:6]:
    findings.append(
        f"{table['target'].iloc[0]} against the rest: " + ", ".join(table.head(4)["term"]) + "."
    )
analysis.save_findings(findings, section="05-compare", out=out)
for f in findings:
    print("-", f)
"""
        ),
        md(
            """
## Conclusion

In the seed study, 2025 against 2010 and 2020 is the contrast between a memory of the war
and its use in present diplomacy: the 2025 articles use "Europe", "cooperation",
"bilateral", "global", "international equity and justice" and "order" more, while the
earlier ones speak more of "veterans", "Russian" and "Soviet", "fought" and "war" itself.
The rate of "war" falls from about 27 per 1,000 tokens in 2020 to 12 in 2025, and
"multilateralism", absent in 2010, rises to about 3 per 1,000. The source-against-rest
comparisons mostly restate each article's occasion (Shanxi for CGTN, Europe for the
Mission to the EU).

Five articles support description, not inference: each year is one to three texts chosen
for their topic, the p-values assume independent tokens, and the measures agree only in
part on the ranking. These contrasts are hypotheses to test on a larger corpus (run this
notebook with `corpus=...`, `time_col=...` and `group_col=...`); the text above refers to
the seeds.
"""
        ),
    ]
    # pandas for the small agreement table
    cells[3].source = "import pandas as pd\n\n" + cells[3].source
    return cells


def write(cells, name: str) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write(keywords_notebook(), "02-keywords.ipynb")
    write(compare_notebook(), "05-compare.ipynb")
