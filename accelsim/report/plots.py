"""Matplotlib figures written to PNG: a heatmap over two parameters and Pareto scatters.

Functions take plain numbers and labels (no simulator types) and draw on a bare `Figure`
with the Agg canvas, so no pyplot state or display is involved. matplotlib is imported inside
the functions: `accelsim run` never pays for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

__all__ = ["ScatterPanel", "categories_png", "heatmap_png", "pareto_png"]


@dataclass(frozen=True, slots=True)
class ScatterPanel:
    """One scatter: points, which are on the Pareto front, axis labels and a title."""

    x: Sequence[float]
    y: Sequence[float]
    front: Sequence[bool]
    x_label: str
    y_label: str
    title: str
    log_y: bool = False


def heatmap_png(path: Path, values: Sequence[Sequence[float]], *, rows: Sequence[str],
                columns: Sequence[str], row_title: str, column_title: str, title: str,
                value_label: str) -> None:  # fmt: skip
    """`values[r][c]` as coloured cells with the numbers written in; NaN cells are grey."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(1.4 + 1.1 * max(3, len(columns)), 1.6 + 0.6 * max(2, len(rows))))
    axes = figure.add_subplot()
    finite = [v for row in values for v in row if math.isfinite(v)]
    cmap = _colour_map("viridis_r")
    image = axes.imshow(values, cmap=cmap, aspect="auto",
                        vmin=min(finite, default=0), vmax=max(finite, default=1))  # fmt: skip
    axes.set_xticks(range(len(columns)), labels=list(columns))
    axes.set_yticks(range(len(rows)), labels=list(rows))
    axes.set_xlabel(column_title)
    axes.set_ylabel(row_title)
    axes.set_title(title, fontsize=10)
    middle = (min(finite, default=0) + max(finite, default=1)) / 2
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            text = f"{value:.4g}" if math.isfinite(value) else "invalid"
            colour = "white" if math.isfinite(value) and value > middle else "black"
            axes.text(c, r, text, ha="center", va="center", fontsize=8, color=colour)
    figure.colorbar(image, ax=axes, label=value_label)
    figure.tight_layout()
    _save(figure, path)


def categories_png(path: Path, cells: Sequence[Sequence[str]], *, rows: Sequence[str],
                   columns: Sequence[str], row_title: str, column_title: str,
                   title: str) -> None:  # fmt: skip
    """A map of words: each distinct word of `cells` one colour, written into its cells; an
    empty cell ("" : nothing ran there) is light grey."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    words = sorted({word for row in cells for word in row if word})
    colours = ["lightgrey", *(f"C{i % 10}" for i in range(len(words)))]  # matplotlib's cycle
    codes = [[words.index(word) + 1 if word else 0 for word in row] for row in cells]
    figure = Figure(figsize=(2.4 + 1.1 * max(3, len(columns)), 1.6 + 0.6 * max(2, len(rows))))
    axes = figure.add_subplot()
    axes.imshow(codes, cmap=ListedColormap(colours), vmin=0, vmax=len(words), aspect="auto")
    axes.set_xticks(range(len(columns)), labels=list(columns))
    axes.set_yticks(range(len(rows)), labels=list(rows))
    axes.set_xlabel(column_title)
    axes.set_ylabel(row_title)
    axes.set_title(title, fontsize=10)
    for r, row in enumerate(cells):
        for c, word in enumerate(row):
            axes.text(c, r, word or "not run", ha="center", va="center", fontsize=8)
    handles = [Patch(color=colours[i + 1], label=word) for i, word in enumerate(words)]
    axes.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    figure.tight_layout()
    _save(figure, path)


def pareto_png(path: Path, panels: Sequence[ScatterPanel], *, title: str) -> None:
    """Panels side by side; front points are drawn red and joined by a staircase."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.2 * len(panels), 4.4))
    figure.suptitle(title, fontsize=11)
    for number, panel in enumerate(panels, start=1):
        axes = figure.add_subplot(1, len(panels), number)
        points = list(zip(panel.x, panel.y, panel.front, strict=True))
        others = [(x, y) for x, y, f in points if not f]
        front = sorted((x, y) for x, y, f in points if f)
        if others:
            axes.scatter([x for x, _ in others], [y for _, y in others], s=18, color="tab:blue",
                         alpha=0.6, label="dominated")  # fmt: skip
        if front:
            xs, ys = [x for x, _ in front], [y for _, y in front]
            axes.step(xs, ys, where="post", color="tab:red", linewidth=1)
            axes.scatter(xs, ys, s=30, color="tab:red", label="Pareto front")
        if panel.log_y:
            from matplotlib.ticker import FuncFormatter

            axes.set_yscale("log", base=2)
            axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        axes.set_xlabel(panel.x_label)
        axes.set_ylabel(panel.y_label)
        axes.set_title(panel.title, fontsize=10)
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    figure.tight_layout()
    _save(figure, path)


def _colour_map(name: str) -> Colormap:
    """A copy of colour map `name` that paints NaN (invalid points) light grey."""
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad="lightgrey")


def _save(figure: Figure, path: Path) -> None:
    """Render to PNG whole or not at all (see `accelsim.outputs`)."""
    from accelsim.outputs import open_output

    with open_output(path, binary=True) as stream:
        figure.savefig(stream, format="png", dpi=120)
