"""A rendered seed report (01-corpus only), shared by the report tests of this folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.report import render

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.fixture(scope="session")
def seed_report(tmp_path_factory) -> Path:
    """``render(seeds, ..., notebooks=["01-corpus"])``; tests may re-render into it."""
    out = tmp_path_factory.mktemp("rep") / "report"
    render(SEEDS, out, notebooks=["01-corpus"], quiet=True)
    return out
