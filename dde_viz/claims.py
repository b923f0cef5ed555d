"""Figures of the Claims page: dde_core.claims results in, ``go.Figure`` out.

Styled like every figure of the app (``app_style``, the title font, side-by-side
panels and arrows of :mod:`dde_viz.figures`).  Log axes are log10 in Plotly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dde_core.claims import FieldView, LikelihoodRow, SweepRow, TimingRow, circle
from dde_viz.figures import (
    TITLE_FONT,
    _axis_names,
    _figure,
    _panel_domains,
    _panel_layout,
    app_style,
    quiver_segments,
)

__all__ = ["timing_figure", "likelihood_figure", "sweep_figure", "field_figure"]

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
        axes.append(
            {
                "x": {"range": list(grid.x_range), "constrain": "domain", "title": {"text": "x₁"}},
                "y": {
                    "range": list(grid.y_range),
                    "scaleanchor": pair[0],
                    "constrain": "domain",
                    "title": {"text": "x₂"},
                },
            }
        )
    titles = [f"{name}: ∮ s·dl = {integrals[name]:.3g}" for name in names]
    layout = _panel_layout(
        _panel_domains(len(names), 0.08),
        axes,
        titles,
        height=height,
        uirevision="keep-zoom",
        title=_title("Curl (colour, same scale) and the field (arrows); green: the loop"),
        margin={**MARGIN, "t": 90},
    )
    return _figure(traces, layout)
