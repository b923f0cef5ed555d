"""Plotly figure builders: pure functions, data in and ``go.Figure`` out.

Conventions shared by every view so panels can be compared at a glance:
densities use one colour scale (Viridis, probability per unit area, 0 to a
shared ``zmax``), axes are in data units with equal aspect, and a gradient
field is drawn as ONE line trace (arrows separated by ``None``) so a frame
stays small enough to redraw several times a second.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .grid import Grid
from .views import DensityView

__all__ = [
    "quiver_segments",
    "density_figure",
    "points_figure",
    "training_curves_figure",
    "comparison_figure",
    "gallery_figure",
    "samples_figure",
]

DENSITY_COLORSCALE = "Viridis"
DATA_COLOR = "#1f77b4"
NOISY_COLOR = "#ff7f0e"
ARROW_COLOR = "rgba(255, 255, 255, 0.85)"
MAX_POINTS_SHOWN = 4000


def quiver_segments(
    arrows: Grid, field: np.ndarray, fill: float = 0.85, head: float = 0.3
) -> tuple[list, list]:
    """Line coordinates of an arrow per lattice cell, separated by ``None``.

    Arrow length is relative, so the field is readable at any σ: the longest
    arrows (95th percentile of |∇ log p| and above) span ``fill`` of a cell,
    weaker ones shrink in proportion down to 15% of that; the direction is exact.
    ``field`` is (k, k, 2) at ``arrows.points``.
    """
    tails = arrows.points
    vectors = field.reshape(-1, 2)
    norms = np.linalg.norm(vectors, axis=1)
    finite = np.isfinite(norms) & (norms > 0)
    reference = np.percentile(norms[finite], 95) if finite.any() else 1.0
    cell = min(arrows.dx, arrows.dy) * fill
    lengths = cell * np.clip(norms / reference, 0.15, 1.0)
    directions = np.where(finite[:, None], vectors / np.where(finite, norms, 1.0)[:, None], 0.0)
    starts = tails - 0.5 * lengths[:, None] * directions
    tips = tails + 0.5 * lengths[:, None] * directions
    # Two barbs at each tip, rotated ±150° from the arrow direction.
    barbs = []
    for angle in (np.deg2rad(150), np.deg2rad(-150)):
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        barbs.append(tips + head * lengths[:, None] * directions @ rotation.T)
    xs: list = []
    ys: list = []
    for i in np.flatnonzero(finite):
        for a, b in ((starts[i], tips[i]), (barbs[0][i], tips[i])):
            xs += [a[0], b[0], None]
            ys += [a[1], b[1], None]
        xs += [barbs[1][i][0], tips[i][0], None]
        ys += [barbs[1][i][1], tips[i][1], None]
    return xs, ys


def _square_layout(figure: go.Figure, grid: Grid, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title=dict(text=title, x=0.02, font=dict(size=15)),
        height=height,
        margin=dict(l=40, r=10, t=50, b=40),
        template="plotly_white",
        uirevision="keep-zoom",
        showlegend=False,
    )
    figure.update_xaxes(range=list(grid.x_range), constrain="domain", title_text="x₁")
    figure.update_yaxes(
        range=list(grid.y_range), scaleanchor="x", scaleratio=1, constrain="domain", title_text="x₂"
    )
    return figure


def _subsample(points: np.ndarray, limit: int = MAX_POINTS_SHOWN) -> np.ndarray:
    if len(points) <= limit:
        return points
    picks = np.random.default_rng(0).choice(len(points), limit, replace=False)
    return points[picks]


def _density_traces(view: DensityView, zmax: float | None, show_field: bool) -> list:
    grid = view.grid
    traces = [
        go.Heatmap(
            x=grid.xs,
            y=grid.ys,
            z=view.density.astype(np.float32),
            zmin=0.0,
            zmax=zmax,
            colorscale=DENSITY_COLORSCALE,
            colorbar=dict(title=dict(text="p(x)", side="right"), thickness=12, len=0.8),
            hovertemplate="x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>p=%{z:.3g}<extra></extra>",
        )
    ]
    if show_field:
        xs, ys = quiver_segments(view.arrows, view.field)
        traces.append(
            go.Scatter(
                x=xs, y=ys, mode="lines", line=dict(color=ARROW_COLOR, width=1.2),
                hoverinfo="skip", name="∇ log p",
            )
        )
    return traces


def density_figure(
    view: DensityView,
    title: str,
    zmax: float | None = None,
    show_field: bool = True,
    height: int = 430,
) -> go.Figure:
    """Heatmap of p (shared colour scale up to ``zmax``) with the field ∇ log p as arrows."""
    figure = go.Figure(_density_traces(view, zmax, show_field))
    return _square_layout(figure, view.grid, title, height)


def _points_traces(points: np.ndarray, noisy: np.ndarray | None) -> list:
    traces = []
    if noisy is not None:
        shown = _subsample(noisy)
        traces.append(
            go.Scattergl(
                x=shown[:, 0], y=shown[:, 1], mode="markers", name="noisy x + σ·η",
                marker=dict(size=3, color=NOISY_COLOR, opacity=0.35),
            )
        )
    shown = _subsample(points)
    traces.append(
        go.Scattergl(
            x=shown[:, 0], y=shown[:, 1], mode="markers", name="data",
            marker=dict(size=3, color=DATA_COLOR, opacity=0.6),
        )
    )
    return traces


def points_figure(
    points: np.ndarray,
    grid: Grid,
    title: str = "Training data",
    noisy: np.ndarray | None = None,
    height: int = 430,
) -> go.Figure:
    """Scatter of the data (at most 4,000 shown), optionally with its noisy copy."""
    figure = go.Figure(_points_traces(points, noisy))
    figure = _square_layout(figure, grid, title, height)
    if noisy is not None:
        figure.update_layout(showlegend=True, legend=dict(orientation="h", y=-0.15))
    return figure


def training_curves_figure(
    steps: Sequence[int],
    loss: Sequence[float],
    excess_loss: Sequence[float],
    kl: Sequence[float],
    height: int = 280,
) -> go.Figure:
    """Three panels against training steps: loss, excess loss over the KDE floor, KL."""
    figure = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=(
            "Denoising loss (held-out batch)",
            "Excess loss over the KDE's optimal denoiser",
            "KL(KDE_σ ‖ DDE) on the grid, nats",
        ),
        horizontal_spacing=0.07,
    )
    series = ((loss, "#444"), (np.maximum(excess_loss, 1e-9), "#d62728"), (kl, "#2ca02c"))
    for column, (values, color) in enumerate(series, start=1):
        figure.add_trace(
            go.Scatter(x=list(steps), y=list(values), mode="lines+markers",
                       line=dict(color=color, width=2), marker=dict(size=4)),
            row=1, col=column,
        )
        figure.update_xaxes(title_text="step", row=1, col=column)
    figure.update_yaxes(type="log", row=1, col=2)
    figure.update_yaxes(type="log", row=1, col=3)
    figure.update_layout(
        height=height, margin=dict(l=40, r=10, t=40, b=40), template="plotly_white",
        showlegend=False, uirevision="keep-zoom",
    )
    figure.update_annotations(font_size=13)
    return figure


def comparison_figure(
    points: np.ndarray, dde: DensityView, kde: DensityView, title: str, height: int = 480
) -> go.Figure:
    """Data | DDE density and field | exact KDE density and field, on one colour scale."""
    figure = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("Training data", "DDE: exp f and its gradient ∇f", "Exact KDE at the same σ"),
        horizontal_spacing=0.04,
    )
    for trace in _points_traces(points, None):
        figure.add_trace(trace, row=1, col=1)
    zmax = float(kde.density.max())
    for column, view in ((2, dde), (3, kde)):
        for trace in _density_traces(view, zmax, True):
            figure.add_trace(trace, row=1, col=column)
    grid = dde.grid
    for column in (1, 2, 3):
        axis = "x" if column == 1 else f"x{column}"
        figure.update_xaxes(range=list(grid.x_range), row=1, col=column, constrain="domain")
        figure.update_yaxes(range=list(grid.y_range), row=1, col=column, scaleanchor=axis,
                            constrain="domain")
    figure.update_layout(
        title=dict(text=title, x=0.01), height=height, template="plotly_white", showlegend=False,
        margin=dict(l=30, r=10, t=80, b=30),
    )
    return figure


def gallery_figure(samples: dict[str, np.ndarray], columns: int = 5, height: int = 300) -> go.Figure:
    """Small multiples of named point clouds (e.g. every toy distribution) on [−4, 4]²."""
    names = list(samples)
    rows = -(-len(names) // columns)
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=names,
                           horizontal_spacing=0.02, vertical_spacing=0.12)
    for i, name in enumerate(names):
        points = _subsample(samples[name], 800)
        figure.add_trace(
            go.Scattergl(x=points[:, 0], y=points[:, 1], mode="markers",
                         marker=dict(size=2, color=DATA_COLOR, opacity=0.6), hoverinfo="skip"),
            row=i // columns + 1, col=i % columns + 1,
        )
    figure.update_xaxes(range=[-4, 4], showticklabels=False, showgrid=False, zeroline=False)
    figure.update_yaxes(range=[-4, 4], showticklabels=False, showgrid=False, zeroline=False)
    figure.update_layout(height=height, margin=dict(l=5, r=5, t=25, b=5), template="plotly_white",
                         showlegend=False)
    figure.update_annotations(font_size=12)
    return figure


def samples_figure(
    view: DensityView | None,
    grid: Grid,
    samples: np.ndarray,
    trajectory: np.ndarray | None,
    title: str,
    zmax: float | None = None,
    upto: int | None = None,
    height: int = 430,
) -> go.Figure:
    """Samples over a density: heatmap (if ``view``), chain paths, and current points.

    trajectory: (T, k, 2) recorded states of k chains; paths are drawn up to
    index ``upto`` (default: all) and, when ``upto`` is before the end, the
    chains' positions at that time replace the final samples.
    """
    traces = [] if view is None else _density_traces(view, zmax, show_field=False)
    points = samples
    if trajectory is not None and len(trajectory):
        end = len(trajectory) - 1 if upto is None else int(np.clip(upto, 0, len(trajectory) - 1))
        xs, ys = [], []
        for chain in range(trajectory.shape[1]):
            path = trajectory[: end + 1, chain]
            xs += list(path[:, 0]) + [None]
            ys += list(path[:, 1]) + [None]
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", name="chains",
                                 line=dict(color="rgba(255, 80, 80, 0.8)", width=1)))
        if end < len(trajectory) - 1:
            points = trajectory[end]
    shown = _subsample(points[np.isfinite(points).all(axis=1)])
    marker_color = "white" if view is not None else DATA_COLOR
    traces.append(go.Scattergl(x=shown[:, 0], y=shown[:, 1], mode="markers", name="samples",
                               marker=dict(size=3, color=marker_color, opacity=0.7)))
    return _square_layout(go.Figure(traces), grid, title, height)
