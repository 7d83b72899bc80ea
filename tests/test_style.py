"""``qseg.style.literal_text``: a figure writer under it draws a ``$`` as a dollar sign, never
mathtext (an unbalanced or hostile ``$...$`` would raise ParseFatalException)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from qseg.style import literal_text  # noqa: E402

HOSTILE = "$\\frac{x$ $x$ $\\undefined{}$"


def draw(path: Path, name: str) -> Path:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label=name)
    ax.set_title(name)
    ax.set_xticks([0, 1], [name, "b"])
    ax.legend()
    fig.savefig(path)
    plt.close(fig)
    return path


def test_without_it_mathtext_fails_on_the_name(tmp_path):
    with pytest.raises(ValueError):
        draw(tmp_path / "raw.png", HOSTILE)
    plt.close("all")


def test_under_it_the_figure_is_drawn_and_the_setting_restored(tmp_path):
    assert literal_text(draw)(tmp_path / "ok.png", HOSTILE).stat().st_size > 0
    assert matplotlib.rcParams["text.parse_math"] is True
