"""The names of the figures in :mod:`analysis.plot`: the one list.

Kept apart from :mod:`analysis.plot` so that ``import analysis`` can offer them lazily
(``analysis.plot_keywords``) without importing matplotlib and seaborn.
"""

FIGURES: tuple[str, ...] = (
    "plot_lengths",
    "plot_faceted_bars",
    "plot_keywords",
    "plot_keyness",
    "plot_term_rates",
    "plot_theme_heatmap",
    "plot_theme_trend",
    "plot_theme_contributions",
    "plot_theme_dispersion",
    "plot_top_terms",
    "plot_topic_prevalence",
    "plot_select_k",
    # context: keyness and embedding regression
    "plot_context_keyness",
    "plot_context_shift",
    "plot_context_neighbors",
    # robustness: the specification curve
    "plot_specification_curve",
)
