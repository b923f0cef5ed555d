"""Figures of the Generate page: pure functions, data in and ``go.Figure`` out.

(1) ``generated_figure``: the data, the generated samples on top, and each sample's push
    (the direction its next generator step moves it), as ONE line trace of segments;
(2) ``critic_figure``: what the generator is pushed by, on a grid: the sample DDE's density
    (the project's density colour scale) or the GAN discriminator's D(x) (0 to 1);
(3) ``metric_curves_figure``: the measures of ``dde_core.generation_metrics`` over steps,
    one panel per measure, one line per method.

Same look as ``figures``: its style, square data-unit axes and subsampling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dde_core.generation_metrics import METRIC_LABELS, MetricCurves
from dde_core.grid import Grid
from dde_viz.figures import (
    DATA_COLOR,
    DENSITY_COLORSCALE,
    _figure,
    _square_layout,
    _subsample,
    app_style,
)

__all__ = ["generated_figure", "critic_figure", "metric_curves_figure", "METHOD_COLORS"]

SAMPLE_COLOR = "#d62728"
PUSH_COLOR = "rgba(40, 40, 40, 0.6)"
METHOD_COLORS = {"DDE generator": "#d62728", "GAN": "#1f77b4"}  # one colour per method, every chart
MAX_PUSHES_SHOWN = 1000
PUSH_LENGTH = 0.06  # the longest pushes (95th percentile and above) span this share of the box's width
DISCRIMINATOR_COLORSCALE = "RdBu_r"  # blue: "generated", red: "data" (D = 0.5 white)


def _push_segments(tails: np.ndarray, vectors: np.ndarray, longest: float) -> tuple[np.ndarray, np.ndarray]:
    """x and y of one segment per point, "tail, tip, NaN", with tip = tail + length · direction.

    Lengths are proportional to |v| up to its 95th percentile, which (and above) gets
    ``longest`` data units, so the picture reads at any scale of the push.
    """
    norms = np.linalg.norm(vectors, axis=1)
    drawn = np.isfinite(norms) & (norms > 0) & np.isfinite(tails).all(axis=1)
    tails, vectors, norms = tails[drawn], vectors[drawn], norms[drawn]
    if not len(norms):
        return np.empty(0), np.empty(0)
    lengths = longest * np.minimum(norms / np.percentile(norms, 95), 1.0)
    tips = tails + (lengths / norms)[:, None] * vectors
    segments = np.stack([tails, tips, np.full_like(tails, np.nan)], axis=1).reshape(-1, 2)
    return segments[:, 0], segments[:, 1]


def _scatter(points: np.ndarray, name: str, color: str, size: float, opacity: float) -> dict:
    shown = _subsample(points[np.isfinite(points).all(axis=1)])
    return {
        "type": "scattergl",
        "x": shown[:, 0],
        "y": shown[:, 1],
        "mode": "markers",
        "name": name,
        "hoverinfo": "skip",
        "marker": {"size": size, "color": color, "opacity": opacity},
    }


def generated_figure(
    data: np.ndarray,
    samples: np.ndarray,
    push: np.ndarray | None,
    grid: Grid,
    title: str,
    height: int = 430,
) -> go.Figure:
    """Data (n, 2), generated samples (m, 2) on top and, if given, each sample's push (m, 2)
    as a segment from the sample (the first ``MAX_PUSHES_SHOWN`` samples get one)."""
    samples = np.asarray(samples, np.float64)
    traces = [_scatter(np.asarray(data, np.float64), "data", DATA_COLOR, 3, 0.25)]
    if push is not None:
        count = min(len(samples), MAX_PUSHES_SHOWN)
        longest = PUSH_LENGTH * (grid.x_range[1] - grid.x_range[0])
        xs, ys = _push_segments(samples[:count], np.asarray(push, np.float64)[:count], longest)
        traces.append(
            {
                "type": "scattergl",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "name": "push",
                "hoverinfo": "skip",
                "line": {"color": PUSH_COLOR, "width": 1},
            }
        )
    traces.append(_scatter(samples, "generated", SAMPLE_COLOR, 4, 0.8))
    legend = {"showlegend": True, "legend": {"orientation": "h", "y": -0.12}}
    return _figure(traces, _square_layout(grid, title, height, **legend))


def critic_figure(grid: Grid, values: np.ndarray, kind: str, title: str, zmax: float | None = None, height: int = 430):
    """Heatmap of the critic on the grid, values (n, n) with rows along y.

    kind "sample_dde": a density (probability per unit area) on the project's density
    scale, 0 to ``zmax`` (default: its maximum); kind "discriminator": D(x) from 0 to 1,
    white where the discriminator cannot tell (D = 0.5).
    """
    if kind not in ("sample_dde", "discriminator"):
        raise ValueError(f"kind must be 'sample_dde' or 'discriminator', got {kind!r}.")
    values = np.asarray(values, np.float32)
    density = kind == "sample_dde"
    trace = {
        "type": "heatmap",
        "x": grid.xs,
        "y": grid.ys,
        "z": values,
        "zmin": 0.0,
        "zmax": (float(values.max()) if zmax is None else zmax) if density else 1.0,
        "colorscale": DENSITY_COLORSCALE if density else DISCRIMINATOR_COLORSCALE,
        "colorbar": {"title": {"text": "q(x)" if density else "D(x)", "side": "right"}, "thickness": 12, "len": 0.8},
        "hovertemplate": "x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>%{z:.3g}<extra></extra>",
    }
    return _figure([trace], _square_layout(grid, title, height))


def _grid_domains(
    count: int, columns: int, gap: float = 0.08, row_gap: float = 0.16
) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """(x domain, y domain) of ``count`` panels in rows of ``columns``, top row first, within [0, 1]."""
    rows = -(-count // columns)
    width = (1 - gap * (columns - 1)) / columns
    height = (1 - row_gap * (rows - 1)) / rows

    def span(start: float, size: float) -> tuple[float, float]:
        return max(0.0, round(start, 6)), min(1.0, round(start + size, 6))

    return [
        (span(c * (width + gap), width), span(1 - r * (height + row_gap) - height, height))
        for r, c in (divmod(i, columns) for i in range(count))
    ]


def metric_curves_figure(
    curves: Mapping[str, MetricCurves],
    names: Sequence[str] | None = None,
    columns: int = 3,
    height: int = 420,
) -> go.Figure:
    """One panel per measure (``names``: keys of ``METRIC_LABELS``; default: every measure any
    method has), one line per method (``curves``: method label → its ``MetricCurves``), against
    generator steps. MMD², energy distance and KL use a log scale."""
    names = list(names or [name for name in METRIC_LABELS if any(name in c.values for c in curves.values())])
    domains = _grid_domains(max(len(names), 1), columns)
    traces, layout = (
        [],
        {
            **app_style(),
            "height": height,
            "margin": {"l": 40, "r": 10, "t": 30, "b": 40},
            "uirevision": "keep-zoom",
            "showlegend": True,
            "legend": {"orientation": "h", "y": -0.12},
            "annotations": [],
        },
    )
    for i, (name, (x_domain, y_domain)) in enumerate(zip(names, domains)):
        suffix = "" if i == 0 else str(i + 1)
        for method, series in curves.items():
            traces.append(
                {
                    "type": "scatter",
                    "x": np.asarray(series.steps),
                    "y": np.asarray(series.values.get(name, [np.nan] * len(series.steps)), float),
                    "mode": "lines+markers",
                    "name": method,
                    "legendgroup": method,
                    "showlegend": i == 0,
                    "line": {"color": METHOD_COLORS.get(method), "width": 2},
                    "marker": {"size": 4},
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                }
            )
        log = name in ("mmd2", "energy", "kl_grid")
        bottom_row = i + columns >= len(names)  # only the lowest panel of each column names its axis
        layout[f"xaxis{suffix}"] = {
            "domain": list(x_domain),
            "anchor": f"y{suffix}",
            "title": {"text": "generator step" if bottom_row else ""},
        }
        layout[f"yaxis{suffix}"] = {
            "domain": list(y_domain),
            "anchor": f"x{suffix}",
            "type": "log" if log else "linear",
        }
        layout["annotations"].append(
            {
                "text": METRIC_LABELS[name],
                "x": sum(x_domain) / 2,
                "y": y_domain[1],
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    return _figure(traces, layout)
