"""Figures of the Claims page: dde_core.claims results in, ``go.Figure`` out.

Styled like every figure of the app (``app_style``, the title font, side-by-side
panels and arrows of :mod:`dde_viz.figures`).  Log axes are log10 in Plotly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dde_core.claims import EXACT, CovarianceSet, FieldView, LikelihoodRow, SweepRow, TimingRow, circle
from dde_core.grid import Grid
from dde_viz.figures import (
    TITLE_FONT,
    _axis_names,
    _figure,
    _panel_domains,
    _panel_layout,
    _subsample,
    app_style,
    quiver_segments,
)

__all__ = [
    "timing_figure",
    "likelihood_figure",
    "sweep_figure",
    "field_figure",
    "hessian_error_figure",
    "covariance_figure",
    "ellipse_outline",
]

COLORS = {"dde": "#d62728", "kde": "#1f77b4", "scipy": "#7f7f7f"}  # one colour per method, every chart
LABELS = {"dde": "DDE (one network pass)", "kde": "exact KDE (ours, TensorFlow)", "scipy": "scipy gaussian_kde"}
OPTIMUM_COLOR = "#2ca02c"  # the best possible −H(p), and the loop of the field panels
MARGIN = dict(l=50, r=10, t=60, b=50)


def _title(text: str) -> dict:
    return dict(text=text, x=0.01, font=dict(TITLE_FONT))


def _base_layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(
        app_style(),
        title=_title(title),
        height=height,
        margin=MARGIN,
        uirevision="keep-zoom",
        legend=dict(orientation="h", y=-0.2),
    )
    return figure


def _log_x_marker(figure: go.Figure, x: float, text: str, color: str, where: str) -> None:
    """A dotted vertical line at ``x`` on a log x axis, labelled beside it.

    (Plotly places annotations on a log axis in log10 units, so ``add_vline``'s
    own label would land at 10^x: the label is added here with log10(x).)
    """
    figure.add_vline(x=x, line=dict(color=color, dash="dot"))
    figure.add_annotation(
        x=math.log10(x),
        xref="x",
        y=1.0 if where == "top" else 0.0,
        yref="paper",
        text=text,
        showarrow=False,
        xanchor="left",
        yanchor="top" if where == "top" else "bottom",
        font=dict(color=color),
    )


def _optimum_text(optimum: float) -> str:
    return f"best possible −H(p) = {optimum:.3f}"


def timing_figure(
    rows: Sequence[TimingRow],
    bench_rows: Sequence[TimingRow] | None = None,
    at_crossover: float | None = None,
    n_queries: int | None = None,
    height: int = 420,
) -> go.Figure:
    """Seconds against D on log-log axes: DDE, our KDE, scipy (gaps where skipped).

    ``bench_rows`` are drawn dashed and faint for comparison; a dotted vertical
    line marks ``at_crossover`` (a D).
    """
    figure = go.Figure()
    for runs, dash, suffix, opacity in ((bench_rows or [], "dash", " (bench)", 0.45), (rows, "solid", "", 1.0)):
        if not runs:
            continue
        for method in ("dde", "kde", "scipy"):
            name = LABELS[method] + suffix
            figure.add_trace(
                go.Scatter(
                    x=[r.D for r in runs],
                    y=[r.seconds(method) for r in runs],
                    mode="lines+markers",
                    name=name,
                    opacity=opacity,
                    connectgaps=False,
                    line=dict(color=COLORS[method], dash=dash),
                    marker=dict(size=8),
                    hovertemplate="D=%{x:,}<br>%{y:.3g} s<extra>" + name + "</extra>",
                )
            )
    if at_crossover is not None:
        _log_x_marker(figure, at_crossover, f"crossover D ≈ {at_crossover:,.0f}", "black", "top")
    queries = f" on {n_queries:,} queries" if n_queries else ""
    figure.update_xaxes(type="log", title_text="training points D")
    figure.update_yaxes(type="log", dtick=1, title_text="seconds (best of repeats)")  # a label per decade
    return _base_layout(figure, f"Time to evaluate log p{queries}", height)


def likelihood_figure(rows: Sequence[LikelihoodRow], optimum: float | None = None, height: int = 320) -> go.Figure:
    """Mean held-out log-likelihood per method (± 1 stderr), with −H(p) as a reference line."""
    shown = [r for r in rows if r.mean_log_likelihood is not None]
    figure = go.Figure(
        go.Scatter(
            x=[r.mean_log_likelihood for r in shown],
            y=[r.method for r in shown],
            mode="markers",
            error_x=dict(type="data", array=[r.stderr for r in shown]),
            marker=dict(size=10, color="#333"),
            hovertemplate="%{y}: %{x:.4f} nats<extra></extra>",
        )
    )
    if optimum is not None:
        figure.add_vline(x=optimum, line=dict(color=OPTIMUM_COLOR, dash="dash"), annotation_text=_optimum_text(optimum))
    figure.update_xaxes(title_text="mean log-likelihood of held-out points, nats (higher is better)")
    figure.update_yaxes(autorange="reversed")
    return _base_layout(figure, "Held-out log-likelihood (± 1 standard error)", height)


def sweep_figure(
    rows: Sequence[SweepRow], optimum: float | None = None, sigma: float | None = None, height: int = 400
) -> go.Figure:
    """Held-out log-likelihood against σ (log axis) for the DDE and the KDE, ± 1 stderr."""
    figure = go.Figure()
    for key, name in (("dde", "DDE (short training, normalised)"), ("kde", "exact KDE at σ")):
        scores = [getattr(r, key) for r in rows]
        figure.add_trace(
            go.Scatter(
                x=[r.sigma for r in rows],
                y=[s.mean for s in scores],
                mode="lines+markers",
                name=name,
                error_y=dict(type="data", array=[s.stderr for s in scores]),
                line=dict(color=COLORS[key]),
            )
        )
    if optimum is not None:
        figure.add_hline(y=optimum, line=dict(color=OPTIMUM_COLOR, dash="dash"), annotation_text=_optimum_text(optimum))
    if sigma is not None:
        _log_x_marker(figure, sigma, "model's σ", "#999", "bottom")
    figure.update_xaxes(type="log", title_text="σ (data units)")
    figure.update_yaxes(title_text="mean held-out log-likelihood (nats)")
    return _base_layout(figure, "Bias–variance trade-off: held-out log-likelihood against σ", height)


def _field_traces(view: FieldView, zmax: float, show_scale: bool, axes: tuple[str, str]) -> list[dict]:
    """The curl as a heatmap (RdBu, symmetric about 0) and the field as one line trace of arrows."""
    xs, ys = quiver_segments(view.arrows, view.field)
    return [
        {
            "type": "heatmap",
            "x": view.grid.xs,
            "y": view.grid.ys,
            "z": view.curl.astype(np.float32),
            "colorscale": "RdBu",
            "zmin": -zmax,
            "zmax": zmax,
            "zmid": 0.0,
            "showscale": show_scale,
            "colorbar": {"title": {"text": "curl", "side": "right"}, "thickness": 12, "len": 0.8},
            "hovertemplate": "x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>curl=%{z:.3g}<extra></extra>",
            "xaxis": axes[0],
            "yaxis": axes[1],
        },
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines",
            "hoverinfo": "skip",
            "line": {"color": "rgba(20, 20, 20, 0.75)", "width": 1.1},
            "xaxis": axes[0],
            "yaxis": axes[1],
        },
    ]


def _loop_trace(centre: Sequence[float], radius: float, axes: tuple[str, str]) -> dict:
    points, _ = circle(centre, radius, 200)
    points = np.vstack([points, points[:1]])  # closed
    return {
        "type": "scatter",
        "x": points[:, 0],
        "y": points[:, 1],
        "mode": "lines",
        "hoverinfo": "skip",
        "line": {"color": OPTIMUM_COLOR, "width": 3},
        "xaxis": axes[0],
        "yaxis": axes[1],
    }


def field_figure(
    views: dict[str, FieldView], centre: Sequence[float], radius: float, integrals: dict[str, float], height: int = 480
) -> go.Figure:
    """One panel per field: curl heatmap (RdBu, symmetric, one scale for all), arrows, the loop.

    ``integrals[name]`` (∮ s · dl) is printed in each panel's title.
    """
    names = list(views)
    zmax = max(max(float(np.abs(v.curl).max()) for v in views.values()), 1e-12)
    traces, axes = [], []
    for i, name in enumerate(names):
        pair, grid = _axis_names(i), views[name].grid
        traces += _field_traces(views[name], zmax, i == len(names) - 1, pair)
        traces.append(_loop_trace(centre, radius, pair))
        axes.append(_square_axes(grid, pair))
    titles = [f"{name}: ∮ s·dl = {integrals[name]:.3g}" for name in names]
    title = "Curl (colour, same scale) and the field (arrows); green: the loop"
    return _panels_figure(traces, axes, titles, title, height, 0.08)


def _panels_figure(traces: list[dict], axes: list[dict], titles: list[str], title: str, height: int, gap: float):
    """Side-by-side square panels (one per axes entry) with a figure title and one per panel."""
    layout = _panel_layout(
        _panel_domains(max(len(axes), 1), gap),
        axes,
        titles,
        height=height,
        uirevision="keep-zoom",
        title=_title(title),
        margin={**MARGIN, "t": 90},
    )
    return _figure(traces, layout)


# ---- claim 4: high-order gradients ---------------------------------------------------------------
ESTIMATE_COLORS = ["#d62728", "#9467bd", "#ff7f0e", "#8c564b"]  # one per estimate, in the report's order
EXACT_COLOR = "#111111"
ERROR_FLOOR = 1e-3  # relative errors below this share the lowest colour (log scale)


def _square_axes(grid: Grid, pair: tuple[str, str]) -> dict:
    """A square panel's axes over ``grid``'s box, labelled x₁ and x₂."""
    return {
        "x": {"range": list(grid.x_range), "constrain": "domain", "title": {"text": "x₁"}},
        "y": {"range": list(grid.y_range), "scaleanchor": pair[0], "constrain": "domain", "title": {"text": "x₂"}},
    }


def hessian_error_figure(maps: dict[str, np.ndarray], grid: Grid, height: int = 420) -> go.Figure:
    """One heatmap per estimate of log10 ‖Ĥ − H‖_F / ‖H‖_F on ``grid``, all on one colour scale.

    ``maps[name]`` (n, n): relative errors per cell; the scale runs from the smallest error
    shown (at least ERROR_FLOOR) to the largest over every panel.
    """
    names = list(maps)
    logs = {name: np.log10(np.maximum(np.asarray(values, float), ERROR_FLOOR)) for name, values in maps.items()}
    finite = np.concatenate([v[np.isfinite(v)] for v in logs.values()]) if logs else np.zeros(1)
    zmin, zmax = float(finite.min()), float(max(finite.max(), finite.min() + 1e-6))
    traces, axes = [], []
    for i, name in enumerate(names):
        pair = _axis_names(i)
        traces.append(
            {
                "type": "heatmap",
                "x": grid.xs,
                "y": grid.ys,
                "z": logs[name].astype(np.float32),
                "customdata": np.asarray(maps[name], np.float32),
                "colorscale": "Magma",
                "reversescale": True,
                "zmin": zmin,
                "zmax": zmax,
                "showscale": i == len(names) - 1,
                "colorbar": {
                    "title": {"text": "relative error", "side": "right"},
                    "thickness": 12,
                    "len": 0.8,
                    "tickvals": list(range(int(np.floor(zmin)), int(np.ceil(zmax)) + 1)),
                    "ticktext": [f"{10.0**k:g}" for k in range(int(np.floor(zmin)), int(np.ceil(zmax)) + 1)],
                },
                "hovertemplate": "x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>‖Ĥ−H‖/‖H‖=%{customdata:.3g}<extra></extra>",
                "xaxis": pair[0],
                "yaxis": pair[1],
            }
        )
        axes.append(_square_axes(grid, pair))
    titles = [f"{name}: median {np.nanmedian(maps[name]):.3g}" for name in names]
    title = "Relative error of each Hessian estimate against the exact KDE's (one log colour scale)"
    return _panels_figure(traces, axes, titles, title, height, 0.06)


def _dash(name: str) -> str:
    return "solid" if name == EXACT else "dash"


def ellipse_outline(centre: np.ndarray, covariance: np.ndarray, n: int = 60, scale: float = 1.0) -> np.ndarray:
    """Points (n + 1, 2) of the ellipse {c + scale · Σ^{1/2} u : |u| = 1} (negative eigenvalues read as 0)."""
    values, vectors = np.linalg.eigh(np.asarray(covariance, float))
    root = vectors @ np.diag(np.sqrt(np.maximum(values, 0.0))) @ vectors.T
    theta = np.linspace(0.0, 2.0 * np.pi, n + 1)
    return np.asarray(centre, float) + scale * np.stack([np.cos(theta), np.sin(theta)], axis=1) @ root.T


def covariance_figure(
    covariances: CovarianceSet, points: np.ndarray, grid: Grid, scale: float = 2.0, height: int = 560
) -> go.Figure:
    """Tweedie's posterior covariance ellipses (``scale`` standard deviations) per estimate at a few
    noisy points, all centred on the exact posterior mean E[x | x̃]; the exact one in black; the
    training points faint behind; each noisy point x̃ joined to its posterior mean by a thin line."""
    background = _subsample(np.asarray(points), 3000)
    traces = [
        {
            "type": "scattergl",
            "x": background[:, 0],
            "y": background[:, 1],
            "mode": "markers",
            "marker": {"size": 2, "color": "rgba(120, 120, 120, 0.35)"},
            "name": "training points",
            "hoverinfo": "skip",
        }
    ]
    links_x, links_y = [], []
    for noisy, centre in zip(covariances.noisy, covariances.centres):
        links_x += [noisy[0], centre[0], None]
        links_y += [noisy[1], centre[1], None]
    traces.append(
        {
            "type": "scatter",
            "x": links_x,
            "y": links_y,
            "mode": "lines+markers",
            "line": {"color": "rgba(60, 60, 60, 0.6)", "width": 1},
            "marker": {"size": 4, "color": "rgba(60, 60, 60, 0.8)"},
            "name": "noisy point x̃ → E[x | x̃]",
            "hoverinfo": "skip",
        }
    )
    others = [name for name in covariances.covariances if name != EXACT]
    for i, name in enumerate([EXACT, *others]):
        xs, ys = [], []
        for centre, covariance in zip(covariances.centres, covariances.covariances[name]):
            outline = ellipse_outline(centre, covariance, scale=scale)
            xs += [*outline[:, 0], None]
            ys += [*outline[:, 1], None]
        color = EXACT_COLOR if name == EXACT else ESTIMATE_COLORS[(i - 1) % len(ESTIMATE_COLORS)]
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "name": name,
                "line": {"color": color, "width": 3 if name == EXACT else 2, "dash": _dash(name)},
                "hoverinfo": "skip",
            }
        )
    figure = _figure(traces, {})
    figure.update_xaxes(range=list(grid.x_range), title_text="x₁", constrain="domain")
    figure.update_yaxes(range=list(grid.y_range), title_text="x₂", scaleanchor="x", constrain="domain")
    return _base_layout(
        figure, f"Denoising uncertainty Cov[x | x̃] = σ²I + σ⁴H: {scale:g}-standard-deviation ellipses", height
    )
