"""Write notebooks/04-topics.ipynb (no outputs). Run: python notebooks/make_04_topics.py"""

from pathlib import Path

import nbformat as nbf

md = nbf.v4.new_markdown_cell
code = nbf.v4.new_code_cell

PARAMETERS = """\
corpus: str = "../seeds"  # corpus: a folder of .txt files or a CSV/JSONL/Parquet file
pattern: str = ""  # file-name template, e.g. {year}/{country}_{session}_{year}.txt; "": none
text_column: str = ""  # text column of a CSV/JSONL/Parquet corpus; "": the column "text"
out: str = "../reports"  # report folder: figures/, tables/ and findings/ are written here
method: str = "nmf"  # topic model: "nmf" (on TF-IDF) or "lda" (on counts)
k: int = 5  # number of topics of the model that is interpreted
ks: list = [3, 4, 5, 6, 7, 8]  # numbers of topics compared by select_k
unit: str = "paragraph"  # unit of analysis: "document", "paragraph" or "sentence"
ngram_range: list = [1, 1]  # n-gram lengths [min, max], e.g. [1, 2] for unigrams and bigrams
min_df: int = 2  # keep terms that occur in at least this many units
stem: bool = False  # merge inflected forms (the terms shown stay readable words)
seed: int = 0  # random seed of the interpreted model and of the bootstrap
seeds: list = [0, 1, 2]  # seeds compared by select_k for stability
top_n: int = 10  # top terms per topic (coherence, stability, tables)
n_boot: int = 2000  # bootstrap resamples for the prevalence intervals
groups: list = ["year", "source_type"]  # document-level columns for prevalence (absent: skipped)
"""

cells = [
    md(
        """# Topics: frames the dictionaries did not anticipate

Dictionaries find the frames we expected. A topic model proposes groups of words that
co-occur in the texts, whether or not we anticipated them. A topic model earns trust only when

1. its **number of topics** is chosen with evidence (coherence, diversity, stability),
2. its topics are **stable across random seeds**, and
3. its **prevalence** across sources and years comes with **intervals**.

This notebook does the three in that order. By default it fits non-negative matrix
factorisation (NMF, Lee & Seung 1999) on the TF-IDF of the counts, which on short texts
usually gives sharper, more coherent topics than LDA (Blei, Ng & Jordan 2003); set
`method="lda"` to compare."""
    ),
    code(PARAMETERS.strip(), metadata={"tags": ["parameters"]}),
    code(
        """import analysis
from analysis.plot_topics import plot_select_k, plot_top_terms, plot_topic_prevalence

options = {}
if pattern:
    options["pattern"] = pattern
if text_column:
    options["columns"] = {text_column: "text"}
docs = analysis.read_corpus(corpus, **options)
dtm = analysis.build_dtm(
    docs, unit=unit, ngram_range=tuple(ngram_range), min_df=min_df, stem=stem, stop_words="english"
)
n_docs, (n_units, n_terms) = len(docs), dtm.shape
print(f"{n_docs} documents -> {n_units} {unit} units x {n_terms} terms (min_df={min_df})")"""
    ),
    md(
        """## Why paragraphs on a small corpus

A topic model explains every unit as a mix of k topics. With 5 documents, a
5-row matrix cannot identify k topics: NMF of rank 5 could simply give each article its own
"topic", and any k < 5 would be a statement about five data points. The seed study is
therefore modelled on **paragraphs** (or sentences): the five articles give about a
hundred paragraphs, each of which mixes fewer themes than a whole article. Inference about
sources and years is still made at the level of **documents**: paragraph topic shares are
aggregated to their article (token-weighted) before any comparison, and the bootstrap
resamples articles, not paragraphs. On a large corpus (e.g. the UN General Debate) whole
documents are a fine unit."""
    ),
    md(
        """## Choosing k

For each k in `ks` and each seed, `select_k` fits a model and scores it, using only the
corpus' own co-occurrences over the units (no external reference corpus):

* **NPMI** (Bouma 2009; Röder et al. 2015): normalised pointwise mutual information of
  the pairs of top terms, co-occurrence counted within units; from -1 (never together) to 1.
* **UMass** (Mimno et al. 2011): mean log conditional document frequency of ordered pairs
  of top terms; closer to 0 is better.
* **Diversity** (Dieng, Ruiz & Blei 2020): share of distinct words among all topics' top-25
  words; 1 means no topic repeats another's words.
* **Stability** (Greene, O'Callaghan & Cunningham 2014): topics of two seeds are matched
  one-to-one by the Hungarian algorithm on the Jaccard overlap of their top terms, and the
  matched overlap is averaged; 1 means every seed finds the same topics."""
    ),
    code(
        """ks_ok = [kk for kk in ks if 2 <= kk <= min(n_units, n_terms)]
selection = analysis.select_k(dtm, ks=ks_ok, method=method, seeds=seeds, top_n=top_n)
analysis.save_table(selection, "topics-select-k", out=out)
fig = plot_select_k(selection)
analysis.save_figure(fig, "topics-select-k", out=out)
by_k = selection.groupby("k")[["npmi", "umass", "diversity", "stability"]].mean()
by_k"""
    ),
    code(
        """best_npmi = int(by_k["npmi"].idxmax())
best_stab = int(by_k["stability"].idxmax()) if by_k["stability"].notna().any() else None
print(f"highest mean NPMI at k={best_npmi}; most stable across seeds at k={best_stab}.")
if k in by_k.index:
    row = by_k.loc[k]
    print(
        f"k={k} (the model interpreted below): NPMI {row['npmi']:.3f}, UMass {row['umass']:.2f}, "
        f"diversity {row['diversity']:.2f}, stability {row['stability']:.2f}."
    )
else:
    print(f"k={k} was not among ks={ks_ok}; its metrics are not shown above.")"""
    ),
    md(
        """The metrics rarely agree on one k. We read them together: a k whose NPMI is near the
best, whose topics do not repeat each other (diversity) and that different seeds reproduce
(stability) is preferable to the single NPMI maximum. The parameter `k` fixes the model
that is interpreted below; change it if the figure above argues for another value."""
    ),
    md("""## The topics"""),
    code(
        """model = analysis.fit_topics(dtm, k, method=method, seed=seed)
terms = model.top_terms(top_n)
analysis.save_table(terms, "topics-terms", out=out)
fig = plot_top_terms(terms)
analysis.save_figure(fig, "topics-terms", out=out)
overview = model.topics().merge(analysis.topic_coherence(dtm, model, top_n=top_n), on="topic")
analysis.save_table(overview, "topics-overview", out=out)
overview"""
    ),
    md(
        """Each topic's label is its three heaviest terms; `share` is its mean share over units and
`npmi`/`umass` its own coherence. Labels are shorthand: read a topic through the units that
carry it most, below."""
    ),
    code(
        """units = analysis.segment(docs, unit)[["unit_id", "text"]]
weights = model.doc_topics().merge(units, on="unit_id", how="left")
exemplars = (
    weights.sort_values(["topic", "weight"], ascending=[True, False], kind="stable")
    .groupby("topic")
    .head(2)[["topic", "label", "doc_id", "unit_id", "weight", "text"]]
    .reset_index(drop=True)
)
exemplars["text"] = exemplars["text"].str.slice(0, 300)
analysis.save_table(exemplars, "topics-exemplars", out=out)
exemplars"""
    ),
    md(
        """## Prevalence by source and year

Unit shares are aggregated to documents (token-weighted mean of the unit shares), then a
group's prevalence of a topic is the mean share over its documents. The 95% intervals are
percentile bootstrap intervals from resampling the group's **documents** (Efron & Tibshirani
1993). A group with a single document has no interval: its bounds are left empty and a note
says so, rather than drawing a misleading zero-width bar."""
    ),
    code(
        """usable = [g for g in groups if g in dtm.docs.columns and dtm.docs[g].notna().all()]
skipped = [g for g in groups if g not in usable]
if skipped:
    print("skipped group columns (absent or with missing values):", ", ".join(skipped))
prevalence = {}
for g in usable:
    prev = analysis.topic_prevalence(model, by=g, n_boot=n_boot, seed=seed)
    prevalence[g] = prev
    analysis.save_table(prev, f"topics-prevalence-{g}", out=out)
    ax = plot_topic_prevalence(
        prev, xlabel=g, title=f"Topic prevalence by {g} (95% bootstrap intervals over documents)"
    )
    analysis.save_figure(ax, f"topics-prevalence-{g}", out=out)
    n_single = int((prev.drop_duplicates("group")["n_docs"] == 1).sum())
    print(f"{g}: {prev['group'].nunique()} groups, {n_single} with a single document (no interval)")"""
    ),
    code(
        """leaders = []
for g, prev in prevalence.items():
    top = prev.sort_values("prevalence", ascending=False).drop_duplicates("group")
    for _, r in top.sort_values("group").iterrows():
        ci = "no interval" if r["n_docs"] < 2 else f"95% CI {r['ci_low']:.2f}-{r['ci_high']:.2f}"
        leaders.append(
            f"{g}={r['group']}: topic {r['topic']} ({r['label']}) leads with "
            f"{r['prevalence']:.2f} ({ci}, {r['n_docs']} docs)"
        )
print("\\n".join(leaders))"""
    ),
    code(
        """sel_k = by_k.loc[k] if k in by_k.index else None
findings = [
    f"{method.upper()} topic model on {n_units} {unit} units of {n_docs} documents; "
    f"k={k} interpreted (highest mean NPMI at k={best_npmi}, most stable at k={best_stab}).",
    "Topics: " + "; ".join(f"{t}: {lab}" for t, lab in overview[["topic", "label"]].values) + ".",
]
if sel_k is not None:
    findings.append(
        f"At k={k}: NPMI {sel_k['npmi']:.2f}, diversity {sel_k['diversity']:.2f}, "
        f"stability across seeds {sel_k['stability']:.2f}."
    )
findings += leaders[:6]
analysis.save_findings(findings, section="04-topics", out=out)
for f in findings:
    print("-", f)"""
    ),
    md(
        """## Conclusion

The printed lines above summarise what this corpus shows: which k the evidence supports,
what the topics are (their terms and exemplar units), and which topic leads in each source
and year, with the uncertainty that the number of documents allows.

**Caveats.**

* *Small corpora.* On the five seed articles the model is fitted on about a hundred
  paragraphs, but comparisons across sources and years rest on one to three documents per
  group: single-document groups have no interval, and three-document intervals are wide.
  Treat the prevalence figures as a description of these articles, not of the outlets.
* *Topics are not frames.* A topic is a set of co-occurring words; whether it is a frame is
  an interpretive claim to be checked against the exemplar units and the dictionaries.
* *Seeds and k.* Stability below about 0.7 means a different seed would tell a partly
  different story; coherence is measured on the same small corpus the model was fitted on,
  so it rewards repeated phrases as much as meaningful themes.
* *Intervals* reflect variation between documents only, not the uncertainty of the fitted
  topics themselves."""
    ),
]

nb = nbf.v4.new_notebook()
for i, cell in enumerate(cells):
    cell["id"] = f"topics-{i:02d}"  # stable ids: regenerating gives the same file
nb["cells"] = cells
nb["metadata"] = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
path = Path(__file__).with_name("04-topics.ipynb")
nbf.write(nb, path)
print(f"wrote {path}")
