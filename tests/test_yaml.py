"""The one YAML reader: any text is data or a one-line AnalysisError."""

from __future__ import annotations

import pytest

from analysis import AnalysisError
from analysis._yaml import read_yaml


@pytest.mark.parametrize(
    "text", ["a: !!timestamp abc", "a: !!int abc", "a: !!float x", "a: !!bool maybe"]
)
def test_a_value_that_does_not_fit_its_tag_is_a_one_line_error(tmp_path, text):
    p = tmp_path / "p.yaml"
    p.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match=r"p\.yaml: a value does not fit its explicit YAML tag"):
        read_yaml(p)


def test_plain_values_still_load(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("a: 1\nb: [x, y]\n", encoding="utf-8")
    assert read_yaml(p) == {"a": 1, "b": ["x", "y"]}
