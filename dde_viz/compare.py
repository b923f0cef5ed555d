"""Figures of the Compare page: ``dde_core.leaderboard`` / ``dde_core.anomaly`` results in, ``go.Figure`` out.

Pure functions styled like every figure of the app (``app_style``, the title font, the
shared density colour scale of :mod:`dde_viz.figures`).  Each estimator keeps one colour
in every chart (``COLORS``); the true density ("oracle") is green and dashed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dde_core.anomaly import AnomalyResult
from dde_core.grid import Grid
from dde_core.leaderboard import ORACLE, Row
from dde_core.views import DensityView
from dde_viz.figures import (
    TITLE_FONT,
    _density_traces,
    _figure,
    _subsample,
    app_style,
    panel_title,
)

__all__ = [
    "COLORS",
    "color_of",
    "leaderboard_table",
    "leaderboard_figure",
    "density_panels_figure",
    "samples_panels_figure",
    "learning_curve_figure",
    "dimension_figure",
    "roc_figure",
    "flagged_figure",
]

COLORS = {
    ORACLE: "#2ca02c",
    "dde": "#d62728",
    "kde-scott": "#9ecae1",
    "kde-silverman": "#6baed6",
    "kde-cv": "#1f77b4",
    "gmm": "#ff7f0e",
    "flow": "#9467bd",
    "rbig": "#8c564b",
}
_OTHER_COLORS = ("#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
MARGIN = dict(l=50, r=10, t=60, b=50)
_FLAG_STYLES = {  # (is outlier, flagged) -> label, colour, marker symbol
    (False, False): ("inlier, kept", "#9e9e9e", "circle"),
    (False, True): ("inlier, flagged (false alarm)", "#ff7f0e", "circle-open"),
    (True, True): ("outlier, flagged", "#d62728", "x"),
    (True, False): ("outlier, missed", "#1f77b4", "x-open"),
}


def color_of(name: str) -> str:
    """The colour of estimator ``name`` in every chart."""
    if name in COLORS:
        return COLORS[name]
    return _OTHER_COLORS[sum(map(ord, name)) % len(_OTHER_COLORS)]


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(
        app_style(),
        title=dict(text=title, x=0.01, font=dict(TITLE_FONT)),
        height=height,
        margin=MARGIN,
        uirevision="keep-zoom",
        legend=dict(orientation="h", y=-0.22),
    )
    return figure


def _plus_minus(mean: float | None, stderr: float | None, digits: int = 3) -> str:
    if mean is None:
        return "—"
    return f"{mean:.{digits}f}" if not stderr else f"{mean:.{digits}f} ± {stderr:.{digits}f}"


def _samples_text(row: Row) -> str:
    if row.can_sample is None:
        return "—"
    if not row.can_sample:
        return "no"
    return "exact" if row.exact_samples else "approximate (MCMC)"


def _score_text(row: Row) -> str:
    if row.has_score is None:
        return "—"
    if not row.has_score:
        return "no"
    return "yes, conservative" if row.score_is_conservative else "yes, not conservative"


def leaderboard_table(rows: Sequence[Row]) -> list[dict]:
    """One dict per row, columns named for people, values formatted (for a table widget)."""
    table = []
    for row in rows:
        oracle = row.estimator == ORACLE
        table.append(
            {
                "estimator": "true density" if oracle else row.estimator,
                "held-out log-likelihood (nats/point)": _plus_minus(row.mean, row.stderr),
                "gap to the true density": "—" if oracle else _plus_minus(row.gap, row.gap_stderr),
                "normaliser": row.normaliser + (f" (± {row.log_z_stderr:.3f})" if row.log_z_stderr else ""),
                "fit (s)": "—" if row.fit_seconds is None or oracle else f"{row.fit_seconds:.1f}",
                "µs per query": "—" if row.query_microseconds is None or oracle else f"{row.query_microseconds:.1f}",
                "samples": "—" if oracle else _samples_text(row),
                "score ∇log p": "—" if oracle else _score_text(row),
                "what was fitted": row.note,
            }
        )
    return table


def leaderboard_figure(rows: Sequence[Row], height: int = 360) -> go.Figure:
    """Held-out mean log-likelihood per estimator (± 1 stderr, normaliser included), the true
    density's as a dashed line; estimators not available are left out."""
    scored = [row for row in rows if row.mean is not None and row.estimator != ORACLE]
    figure = go.Figure(
        go.Scatter(
            x=[row.mean for row in scored],
            y=[row.estimator for row in scored],
            mode="markers",
            error_x=dict(type="data", array=[row.stderr for row in scored]),
            marker=dict(size=11, color=[color_of(row.estimator) for row in scored]),
            hovertemplate="%{y}: %{x:.4f} nats/point<extra></extra>",
        )
    )
    oracle = next((row for row in rows if row.estimator == ORACLE), None)
    if oracle is not None:
        figure.add_vline(
            x=oracle.mean,
            line=dict(color=COLORS[ORACLE], dash="dash"),
            annotation_text=f"true density {oracle.mean:.3f}",
        )
    figure.update_xaxes(title_text="mean log-likelihood of held-out points, nats (higher is better)")
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, "Held-out log-likelihood (± 1 standard error)", height)


# ---------------------------------------------------------------------------
# 2-D panels: one per estimator, in rows of ``columns``
# ---------------------------------------------------------------------------


def _panel_box(index: int, count: int, columns: int, gap: float = 0.03) -> tuple[list[float], list[float]]:
    """The x and y domains of panel ``index`` of ``count`` in rows of ``columns``."""
    rows = math.ceil(count / columns)
    width = (1 - gap * (columns - 1)) / columns
    height = (1 - 2 * gap * (rows - 1)) / rows
    column, row = index % columns, index // columns
    x0 = column * (width + gap)
    y1 = 1 - row * (height + 2 * gap)
    return [x0, x0 + width], [y1 - height, y1]


def _axis_pair(index: int) -> tuple[str, str]:
    suffix = "" if index == 0 else str(index + 1)
    return f"x{suffix}", f"y{suffix}"


def _panels_layout(titles: Sequence[str], grid: Grid, columns: int, title: str, panel_height: int) -> dict:
    """Square, equal-aspect panels over the grid's box, titled, in rows of ``columns``."""
    count = len(titles)
    layout = {
        **app_style(),
        "title": {"text": title, "x": 0.01, "font": dict(TITLE_FONT)},
        "height": panel_height * math.ceil(count / columns) + 90,
        "margin": {"l": 30, "r": 10, "t": 80, "b": 30},
        "showlegend": False,
        "uirevision": "keep-zoom",
        "annotations": [],
    }
    for i, text in enumerate(titles):
        x_name, y_name = _axis_pair(i)
        x_domain, y_domain = _panel_box(i, count, columns)
        layout[x_name.replace("x", "xaxis")] = {
            "domain": x_domain,
            "anchor": y_name,
            "range": list(grid.x_range),
            "constrain": "domain",
            "showticklabels": False,
        }
        layout[y_name.replace("y", "yaxis")] = {
            "domain": y_domain,
            "anchor": x_name,
            "range": list(grid.y_range),
            "scaleanchor": x_name,
            "constrain": "domain",
            "showticklabels": False,
        }
        layout["annotations"].append(panel_title(text, x_domain, y_domain))
    return layout


def density_panels_figure(
    grid: Grid,
    densities: Mapping[str, np.ndarray],
    zmax: float | None = None,
    columns: int = 4,
    panel_height: int = 260,
    title: str = "Densities on one colour scale",
) -> go.Figure:
    """Heatmaps of each estimator's normalised density p (n, n) on ``grid``, side by side, one
    colour scale from 0 to ``zmax`` (default: the largest value among all panels, so a spiky
    estimate shows as brighter, not rescaled)."""
    names = list(densities)
    arrays = {name: np.asarray(densities[name], dtype=np.float64) for name in names}
    zmax = float(max(array.max() for array in arrays.values())) if zmax is None else zmax
    traces = []
    for i, name in enumerate(names):
        with np.errstate(divide="ignore"):
            view = DensityView(grid, np.log(arrays[name]), grid, np.empty((0, 0, 2)))
        traces += _density_traces(view, zmax, _axis_pair(i), show_scale=i == len(names) - 1)
    return _figure(traces, _panels_layout(names, grid, columns, title, panel_height))


def samples_panels_figure(
    grid: Grid,
    samples: Mapping[str, np.ndarray | None],
    columns: int = 4,
    panel_height: int = 260,
    title: str = "Samples",
) -> go.Figure:
    """Each estimator's samples (at most 4,000 shown) side by side; a panel says so when the
    estimator cannot sample (its value is None)."""
    names = list(samples)
    traces = []
    layout = _panels_layout(names, grid, columns, title, panel_height)
    for i, name in enumerate(names):
        x_name, y_name = _axis_pair(i)
        points = samples[name]
        if points is None:
            x_domain, y_domain = _panel_box(i, len(names), columns)
            layout["annotations"].append(
                {
                    "text": "cannot sample",
                    "x": sum(x_domain) / 2,
                    "y": sum(y_domain) / 2,
                    "xref": "paper",
                    "yref": "paper",
                    "showarrow": False,
                    "font": {"color": "#999"},
                }
            )
            continue
        shown = _subsample(np.asarray(points))
        traces.append(
            {
                "type": "scattergl",
                "x": shown[:, 0],
                "y": shown[:, 1],
                "mode": "markers",
                "marker": {"size": 2.5, "color": color_of(name), "opacity": 0.6},
                "hoverinfo": "skip",
                "xaxis": x_name,
                "yaxis": y_name,
            }
        )
    return _figure(traces, layout)


# ---------------------------------------------------------------------------
# Curves over training-set size and dimension
# ---------------------------------------------------------------------------


def _by_estimator(rows: Sequence[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if row.mean is not None:
            groups.setdefault(row.estimator, []).append(row)
    return groups


def _line(name: str, x: list, y: list, error: list | None, hover: str) -> go.Scatter:
    oracle = name == ORACLE
    return go.Scatter(
        x=x,
        y=y,
        mode="lines" if oracle else "lines+markers",
        name="true density" if oracle else name,
        error_y=None if error is None or oracle else dict(type="data", array=error),
        line=dict(color=color_of(name), dash="dash" if oracle else "solid"),
        marker=dict(size=7),
        hovertemplate=hover + f"<extra>{name}</extra>",
    )


def learning_curve_figure(rows: Sequence[Row], height: int = 420) -> go.Figure:
    """Held-out log-likelihood (± 1 stderr) against training-set size (log axis), per estimator."""
    figure = go.Figure()
    for name, group in _by_estimator(rows).items():
        group = sorted(group, key=lambda row: row.n_train)
        figure.add_trace(
            _line(
                name,
                [row.n_train for row in group],
                [row.mean for row in group],
                [row.stderr for row in group],
                "n=%{x:,}<br>%{y:.3f} nats/point",
            )
        )
    figure.update_xaxes(type="log", title_text="training points")
    figure.update_yaxes(title_text="held-out log-likelihood, nats/point")
    return _layout(figure, "Learning curves: held-out log-likelihood against training-set size", height)


def dimension_figure(rows: Sequence[Row], per_dimension: bool = False, height: int = 420) -> go.Figure:
    """Gap to the true density, mean of log q − log p on held-out points (± 1 paired stderr),
    against the dimension d; ``per_dimension`` divides by d.  0 is the true density; below is worse."""
    figure = go.Figure()
    for name, group in _by_estimator(rows).items():
        group = sorted((row for row in group if row.gap is not None), key=lambda row: row.n_dims)
        scale = [1.0 / row.n_dims if per_dimension else 1.0 for row in group]
        figure.add_trace(
            _line(
                name,
                [row.n_dims for row in group],
                [row.gap * s for row, s in zip(group, scale)],
                [row.gap_stderr * s for row, s in zip(group, scale)],
                "d=%{x}<br>gap %{y:.3f}",
            )
        )
    unit = "nats per point and dimension" if per_dimension else "nats per point"
    figure.update_xaxes(type="log", title_text="dimension d", tickvals=sorted({row.n_dims for row in rows}))
    figure.update_yaxes(title_text=f"log q − log p, {unit} (0 = true density)")
    return _layout(figure, "Gap to the true density against dimension", height)


# ---------------------------------------------------------------------------
# Anomaly detection
# ---------------------------------------------------------------------------


def roc_figure(results: Sequence[AnomalyResult], height: int = 420) -> go.Figure:
    """ROC curves (flag low log-density), AUC in each legend entry; the diagonal is chance."""
    figure = go.Figure()
    for result in results:
        figure.add_trace(
            go.Scatter(
                x=result.roc.false_positive_rate,
                y=result.roc.true_positive_rate,
                mode="lines",
                name=f"{result.estimator} (AUC {result.auc:.3f})",
                line=dict(color=color_of(result.estimator), shape="hv"),
                hovertemplate="false alarms %{x:.3f}<br>outliers found %{y:.3f}<extra>" + result.estimator + "</extra>",
            )
        )
    figure.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="#bbb", dash="dot"), name="chance (AUC 0.5)")
    )
    figure.update_xaxes(title_text="false-positive rate (inliers flagged)", range=[0, 1])
    figure.update_yaxes(title_text="true-positive rate (outliers flagged)", range=[0, 1.02])
    return _layout(figure, "Anomaly detection: ROC curves of the log-density as a score", height)


def flagged_figure(
    points: np.ndarray, is_outlier: np.ndarray, flagged: np.ndarray, grid: Grid, title: str, height: int = 430
) -> go.Figure:
    """2-D points by outcome at one threshold: inliers kept, false alarms, outliers found, missed."""
    points = np.asarray(points)
    traces = []
    for (outlier, flag), (label, color, symbol) in _FLAG_STYLES.items():
        chosen = points[(np.asarray(is_outlier) == outlier) & (np.asarray(flagged) == flag)]
        shown = _subsample(chosen)
        traces.append(
            {
                "type": "scattergl",
                "x": shown[:, 0],
                "y": shown[:, 1],
                "mode": "markers",
                "name": f"{label} ({len(chosen):,})",
                "marker": {
                    "size": 3 if not (outlier or flag) else 7,
                    "color": color,
                    "symbol": symbol,
                    "opacity": 0.5 if not (outlier or flag) else 0.9,
                },
            }
        )
    layout = _panels_layout([""], grid, 1, title, height - 90)
    layout["xaxis"]["showticklabels"] = layout["yaxis"]["showticklabels"] = True
    layout.update(showlegend=True, legend={"orientation": "h", "y": -0.08}, margin=MARGIN)
    return _figure(traces, layout)
