"""Write notebooks/03-themes.ipynb (no outputs). Run: python notebooks/make_03_themes.py"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

cells = []


def md(text: str) -> None:
    cells.append(new_markdown_cell(text.strip()))


def code(text: str, tags: list[str] | None = None) -> None:
    cell = new_code_cell(text.strip())
    if tags:
        cell.metadata["tags"] = tags
    cells.append(cell)


md(
    """
# 3. Framing themes

How often, and where, do the texts invoke **multilateralism**, **friendship** and
**national rejuvenation**, and the other themes of the codebook? This section counts
codebook entries (words, `*` globs and phrases; see `analysis.themes` for the exact
matching rules), reports rates per 1,000 words with bootstrap intervals, shows which
entries drive each rate, and prints the hits in context so that a reader can judge the
dictionary's precision before trusting any number.

The parameters below make the notebook run on any corpus `analysis.read_corpus` reads.
"""
)

code(
    """
corpus: str = "../seeds"  # corpus: a folder of .txt files (with metadata.csv, or a file-name pattern) or a CSV/JSONL/Parquet file
out: str = "../reports"  # report folder: figures/, tables/ and findings/ are written here
pattern: str | None = None  # file-name template for folders without metadata.csv, e.g. "{year}/{country}_{session}_{year}.txt"
text_column: str | None = None  # text column of a CSV/JSONL/Parquet corpus, when it is not called "text"
themes: str | None = None  # YAML codebook; None: the default analysis/data/themes.yml
by: list = ["source", "year"]  # grouping columns, each analysed in turn; the last one is also the trend axis
unit: str = "document"  # document, paragraph or sentence: the span within which phrases match
n_boot: int = 2000  # bootstrap resamples for the intervals (0: no intervals)
n_perm: int = 5000  # permutations for the difference test (0: no test)
seed: int = 0  # random seed: the same seed gives identical tables
focus: list = ["multilateralism", "friendship", "rejuvenation"]  # themes of the study question
kwic_per_theme: int = 6  # hits shown in context per theme
""",
    tags=["parameters"],
)

code(
    """
import matplotlib.pyplot as plt
import pandas as pd

import analysis
from analysis.plot_themes import (
    plot_theme_contributions,
    plot_theme_dispersion,
    plot_theme_heatmap,
    plot_theme_trend,
)

pd.set_option("display.max_colwidth", 80)
pd.set_option("display.width", 160)
options = {}
if pattern:
    options["pattern"] = pattern
if text_column:
    options["columns"] = {text_column: "text"}
docs = analysis.read_corpus(corpus, **options)
codebook = analysis.load_themes(themes or None)
focus = [t for t in focus if t in codebook.ids] or codebook.ids[:3]
usable = [c for c in by if c in docs.columns and docs[c].nunique(dropna=True) > 1]
skipped = [c for c in by if c not in usable]
print(f"{len(docs)} documents, {int(docs['n_tokens'].sum()):,} words; codebook: {codebook}")
if skipped:
    print(f"grouping columns skipped (absent or a single value): {skipped}")
docs[["doc_id", *usable, "n_tokens"]]
"""
)

md(
    """
## The codebook

Each theme has a definition, its entries, exclusions (phrases whose hits do not count,
e.g. *Friends of Europe*, a think tank, for friendship) and the sources of its entries
(the seeds' wording, official formulations, literature). The full list is saved as a
table.
"""
)

code(
    """
book = codebook.to_frame()
analysis.save_table(book, "themes-codebook", out=out)
summary = book.groupby(["theme", "kind"], sort=False).size().unstack(fill_value=0)
summary.insert(0, "label", [codebook[t].label for t in summary.index])
summary
"""
)

md(
    """
## Rates with intervals

`rate_per_1k = 1000 × hits / words` over a group's documents. The 95% interval is a
percentile bootstrap that resamples **documents** within the group (for paragraph or
sentence units, documents are resampled as clusters of their units). A group with a
single document has no interval: its row says so in `note` rather than showing a
zero-width interval.
"""
)

code(
    """
rates = {}
for col in usable or [None]:
    name = col or "all"
    rates[name] = analysis.theme_rates(docs, codebook, by=col, unit=unit, n_boot=n_boot, seed=seed)
    analysis.save_table(rates[name], f"themes-rates-by-{name}", out=out)
    ax = plot_theme_heatmap(rates[name])
    ax.set_title(f"Theme rates per 1,000 words by {name}")
    analysis.save_figure(ax, f"themes-heatmap-{name}", out=out)
    plt.show()
first = next(iter(rates))
rates[first][["group", "theme", "hits", "tokens", "rate_per_1k", "ci_low", "ci_high", "n_docs", "note"]]
"""
)

md(
    """
### Over time

The last grouping column (by default `year`) is drawn as a trend of the focus themes,
with interval bars where an interval exists; hollow markers are groups without one.
"""
)

code(
    """
trend_by = usable[-1] if usable else None
if trend_by is not None:
    ax = plot_theme_trend(rates[trend_by], themes=focus)
    ax.set_xlabel(trend_by)
    analysis.save_figure(ax, f"themes-trend-{trend_by}", out=out)
    plt.show()
else:
    print("no grouping column with more than one value: no trend")
"""
)

md(
    """
## Which entries drive the rates

A theme's rate is a sum over its entries. If one entry carries most of a theme (for
instance *United Nations* for multilateralism in UN speeches), the theme measures little
more than that word, and its KWIC lines below deserve a close reading.
"""
)

code(
    """
contrib_by = usable[0] if usable else None
contrib = analysis.theme_contributions(docs, codebook, by=contrib_by, unit=unit)
analysis.save_table(contrib, "themes-contributions", out=out)
ax = plot_theme_contributions(contrib, top=6)
analysis.save_figure(ax, "themes-contributions", out=out)
plt.show()
contrib[contrib["theme"].isin(focus)].groupby(["group", "theme"], sort=False).head(3)
"""
)

md(
    """
## A difference between two groups

The two largest groups of the trend column are compared: the rate difference, its
bootstrap interval (documents resampled within each group) and a permutation p-value
(`(1 + #extreme) / (n_perm + 1)`, Phipson & Smyth 2010). With a one-document group there
is no honest interval or test, and the table says so.
"""
)

code(
    """
if trend_by is not None:
    sizes = docs[trend_by].astype("string").fillna("missing").value_counts()
    sizes = sizes.sort_index().sort_values(ascending=False, kind="stable")
    a, b = sizes.index[:2]
    diff = analysis.theme_difference(
        docs, codebook, by=trend_by, a=a, b=b, unit=unit, n_boot=n_boot, n_perm=n_perm, seed=seed
    )
    analysis.save_table(diff, "themes-difference", out=out)
    dcontrib = analysis.theme_contributions(docs, codebook, by=trend_by, a=a, b=b, unit=unit)
    analysis.save_table(dcontrib, "themes-difference-contributions", out=out)
    ax = plot_theme_contributions(dcontrib[dcontrib["theme"].isin(focus)], top=5)
    ax.set_title(f"Entries driving the difference {trend_by} {a} − {b}")
    analysis.save_figure(ax, "themes-difference-contributions", out=out)
    plt.show()
    print(f"{trend_by} {a} (n={sizes[a]}) vs {b} (n={sizes[b]})")
    display(diff)
"""
)

md(
    """
## Where the themes occur

A lexical dispersion plot: each marker is a hit, placed at its relative position in the
document (0 = first word, 1 = last). It shows whether a theme frames a whole text or
appears only in one passage (a closing paragraph of diplomatic boilerplate, say).
"""
)

code(
    """
hits = analysis.theme_hits(docs, codebook, unit=unit)
analysis.save_table(hits, "themes-hits", out=out)
shown = docs["doc_id"].tolist()[:40]
ax = plot_theme_dispersion(hits, docs=shown, themes=codebook.ids)
analysis.save_figure(ax, "themes-dispersion", out=out)
plt.show()
"""
)

md(
    """
## Keyword in context: judge the precision

For each theme, a sample of hits (evenly spread over the hit list, so several documents
appear). A hit that does not invoke the theme in context is a false positive of the
codebook; if many are, change the entries or add exclusions, not the conclusions.
"""
)

code(
    """
samples = []
for theme_id in codebook.ids:
    h = hits[hits["theme"] == theme_id]
    if len(h) > kwic_per_theme:
        step = len(h) / kwic_per_theme
        h = h.iloc[[int(i * step) for i in range(kwic_per_theme)]]
    samples.append(h)
kwic = pd.concat(samples, ignore_index=True)[["theme", "doc_id", "entry", "left", "match", "right"]]
analysis.save_table(kwic, "themes-kwic", out=out)
with pd.option_context("display.max_rows", 200):
    display(kwic)
"""
)

md(
    """
## Reading

The cell below states, from the tables above, which group has the highest and the lowest
rate of each focus theme, and whether any interval could be computed at all.
"""
)

code(
    """
findings = []
for name, table in rates.items():
    for theme_id in focus:
        t = table[table["theme"] == theme_id].set_index("group")
        hi, lo = t["rate_per_1k"].idxmax(), t["rate_per_1k"].idxmin()
        with_ci = int(t["ci_low"].notna().sum())
        findings.append(
            f"{codebook[theme_id].label} by {name}: highest {hi} "
            f"({t.at[hi, 'rate_per_1k']:.1f} per 1,000 words), lowest {lo} "
            f"({t.at[lo, 'rate_per_1k']:.1f}); {with_ci} of {len(t)} groups have an interval."
        )
analysis.save_findings(findings, section="03-themes", out=out)
for f in findings:
    print("-", f)
"""
)

md(
    """
**The seed study (five articles; default parameters).** *Multilateralism* is concentrated
in the 2025 wire report of Xi's Moscow meetings (maintaining multilateralism,
international equity and justice, the international order "underpinned by international
law"), which is also the only article with the counter-frame (*unilateralism and
protectionism*, *the policy of power*); the 2010 People's Daily piece carries it in the
older vocabulary of *multi-polarization* and the *democratization of international
politics*, and the 2020 symposium report in a single call to "uphold and practice
multilateralism" next to "international fairness and justice". *Friendship* is the
frame of the 2010 and 2020 pieces on Sino-Russian wartime comradeship and of the 2025
wire's bilateral meetings ("iron friendship"); the CGTN feature has none. *National
rejuvenation and development* appears in the 2020 symposium ("strive to achieve national
rejuvenation") and dominates the second half of the CGTN feature, whose entries are
about Shanxi's economy (high-quality growth, revitalization): a development frame
rather than the war-memory one, as its KWIC lines show. War memory and resistance are
present in every article.

**What five articles can and cannot support.** Each source-year cell holds one article
(the year 2025 holds three from three different outlets), so these are descriptions of
five texts, not estimates for outlets, years or Chinese media. No inference across
sources or years is possible: differences between cells mix the year, the outlet, the
genre (a wire report of meetings, a feature, a symposium notice) and the occasion. The
intervals reflect only the variation between documents within a group; a one-document
group has none, so most cells have no interval, and the one group with three documents
has a wide interval that says nothing about other 2025 coverage. The permutation test
cannot be run honestly with one-document groups. Counts are small (a handful of hits per
theme and article), so one sentence can move a rate by several points per 1,000 words.
The codebook was written with these seeds in view, which flatters its recall on them;
its precision must be judged from the KWIC samples, and a new corpus needs its own
validation. What the seeds do support is a qualitative reading: which vocabulary each
text uses for each frame, and where in the text it appears.
"""
)

nb = new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.metadata["language_info"] = {"name": "python"}
nbformat.write(nb, HERE / "03-themes.ipynb")
print("wrote", HERE / "03-themes.ipynb")
