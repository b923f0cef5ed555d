"""Plotly figure builders: pure functions, data in and ``go.Figure`` out.

Conventions shared by every view so panels can be compared at a glance:
densities use one colour scale (Viridis, probability per unit area, 0 to a
shared ``zmax``), axes are in data units with equal aspect, and a gradient
field is drawn as ONE line trace (arrows separated by ``None``) so a frame
stays small enough to redraw several times a second.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import hex_to_rgb, sequential
from plotly.subplots import make_subplots

from dde_core.grid import Grid
from dde_core.views import DensityView

__all__ = [
    "app_style",
    "density_rgb",
    "quiver_segments",
    "density_figure",
    "points_figure",
    "training_curves_figure",
    "curve_trace",
    "comparison_figure",
    "gallery_figure",
    "samples_figure",
]

DENSITY_COLORSCALE = "Viridis"
DATA_COLOR = "#1f77b4"
NOISY_COLOR = "#ff7f0e"
ARROW_COLOR = "rgba(255, 255, 255, 0.85)"
MAX_POINTS_SHOWN = 4000
MAX_CURVE_POINTS = 300  # a curve longer than this is drawn thinned evenly (its last point kept)
MAX_MARKED_POINTS = 60  # a curve with more points is drawn as a line without markers
FONT = {"family": '"Source Sans", "Source Sans Pro", sans-serif', "color": "#31333f", "size": 12}
TITLE_FONT = {"size": 15, "weight": 600}
_LIGHT = "#EBF0F8"  # grid and axis lines
_AXIS = {
    "gridcolor": _LIGHT,
    "linecolor": _LIGHT,
    "zerolinecolor": _LIGHT,
    "zerolinewidth": 2,
    "ticks": "",
    "automargin": True,
    "title": {"standoff": 15},
}
# Plotly's "plotly_white" look, only the parts these figures use: the full template is
# ~7 kB that the browser re-reads on every redraw of a live chart.
TEMPLATE = {
    "layout": {
        "colorway": ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3"],
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "coloraxis": {"colorbar": {"outlinewidth": 0, "ticks": ""}},
    },
    "data": {"heatmap": [{"colorbar": {"outlinewidth": 0, "ticks": ""}}]},
}


def app_style() -> dict:
    """Layout keys every figure of the app shares: template, font (the app's), backgrounds.

    Set at the top level of the layout, so a figure looks the same whoever draws it
    (``st.plotly_chart`` without Streamlit's chart theme, or the live chart component).
    """
    return {"template": TEMPLATE, "font": dict(FONT), "paper_bgcolor": "white", "plot_bgcolor": "white"}


@functools.lru_cache(maxsize=1)
def _viridis_table() -> np.ndarray:
    """(256, 3) uint8 lookup table interpolating Plotly's Viridis stops."""
    stops = np.array([hex_to_rgb(c) for c in sequential.Viridis], dtype=np.float64)
    positions = np.linspace(0, 1, len(stops))
    levels = np.linspace(0, 1, 256)
    return np.stack([np.interp(levels, positions, stops[:, k]) for k in range(3)], 1).round().astype(np.uint8)


def density_rgb(density: np.ndarray, zmax: float) -> np.ndarray:
    """Colours of an (n, n) density (rows along y) on the shared scale, 0 to ``zmax``.

    Returns (n, n, 3) uint8 with image rows top-down (row 0 at the largest y).
    """
    scaled = np.clip(np.asarray(density, np.float64) / zmax, 0.0, 1.0)
    return _viridis_table()[np.round(scaled * 255).astype(np.int64)][::-1]


def quiver_segments(
    arrows: Grid, field: np.ndarray, fill: float = 0.85, head: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """Line coordinates of one arrow per lattice cell, arrows separated by NaN gaps.

    Arrow length is relative, so the field is readable at any σ: the longest
    arrows (95th percentile of |∇ log p| and above) span ``fill`` of a cell,
    weaker ones shrink in proportion down to 15% of that; the direction is exact.
    ``field`` is (k, k, 2) at ``arrows.points``.  Returns x and y arrays of
    length 9 per drawn arrow: shaft, then two barbs, each "from, to, NaN".
    """
    vectors = field.reshape(-1, 2)
    norms = np.linalg.norm(vectors, axis=1)
    drawn = np.isfinite(norms) & (norms > 0)
    tails, vectors, norms = arrows.points[drawn], vectors[drawn], norms[drawn]
    if not len(norms):
        return np.empty(0), np.empty(0)
    lengths = min(arrows.dx, arrows.dy) * fill * np.clip(norms / np.percentile(norms, 95), 0.15, 1.0)
    directions = vectors / norms[:, None]
    tips = tails + 0.5 * lengths[:, None] * directions
    starts = tails - 0.5 * lengths[:, None] * directions
    gap = np.full_like(tips, np.nan)
    parts = [starts, tips, gap]
    for angle in (np.deg2rad(150), np.deg2rad(-150)):  # barbs, rotated ±150° from the shaft
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        parts += [tips + head * lengths[:, None] * directions @ rotation.T, tips, gap]
    segments = np.stack(parts, axis=1).reshape(-1, 2)  # (9 per arrow, 2)
    return segments[:, 0], segments[:, 1]


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure from plain dicts, skipping plotly.py's per-value validation (it is the
    slow part of building a frame; the dicts here are fixed, tested shapes)."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def _square_layout(grid: Grid, title: str, height: int, **extra) -> dict:
    """Equal-aspect axes in data units over the grid's box, zoom kept across updates."""
    return {
        **app_style(),
        "title": {"text": title, "x": 0.02, "font": dict(TITLE_FONT)},
        "height": height,
        # the right margin holds a colour bar when there is one, so that panels side by
        # side have plots of one size whether or not they show the scale
        "margin": {"l": 36, "r": 64, "t": 50, "b": 36},
        "uirevision": "keep-zoom",
        "showlegend": False,
        "xaxis": {"range": list(grid.x_range), "constrain": "domain", "title": {"text": "x₁"}},
        "yaxis": {
            "range": list(grid.y_range),
            "scaleanchor": "x",
            "scaleratio": 1,
            "constrain": "domain",
            "title": {"text": "x₂"},
        },
        **extra,
    }


def _subsample(points: np.ndarray, limit: int = MAX_POINTS_SHOWN) -> np.ndarray:
    if len(points) <= limit:
        return points
    picks = np.random.default_rng(0).choice(len(points), limit, replace=False)
    return points[picks]


def _density_traces(
    view: DensityView, zmax: float | None, axes: tuple[str, str] = ("x", "y"), show_scale: bool = True
) -> list[dict]:
    grid = view.grid
    return [
        {
            "type": "heatmap",
            "x": grid.xs,
            "y": grid.ys,
            "z": view.density.astype(np.float32),
            "zmin": 0.0,
            "zmax": zmax,
            "colorscale": DENSITY_COLORSCALE,
            "showscale": show_scale,
            "colorbar": {"title": {"text": "p(x)", "side": "right"}, "thickness": 12, "len": 0.8, "xpad": 4},
            "hovertemplate": "x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>p=%{z:.3g}<extra></extra>",
            "xaxis": axes[0],
            "yaxis": axes[1],
        }
    ]


def picture_image(
    rgb: np.ndarray, grid: Grid, axes: tuple[str, str] = ("x", "y"), layer: str = "above", upscale: int = 4
) -> dict:
    """An (n, n, 3) uint8 picture, rows top-down, as one layout image (a PNG) covering the grid's box.

    For live panels: when only layout images and shapes change, Plotly redraws just those,
    several times cheaper than recomputing a heatmap trace. Cells are enlarged ``upscale``
    times so the browser's smoothing keeps their edges.
    """
    buffer = io.BytesIO()
    Image.fromarray(rgb.repeat(upscale, axis=0).repeat(upscale, axis=1), "RGB").save(
        buffer, format="PNG", compress_level=1
    )
    return {
        "source": "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(),
        "xref": axes[0],
        "yref": axes[1],
        "x": grid.x_range[0],
        "y": grid.y_range[1],
        "sizex": grid.x_range[1] - grid.x_range[0],
        "sizey": grid.y_range[1] - grid.y_range[0],
        "sizing": "stretch",
        "layer": layer,
    }


def _quiver_shape(view: DensityView, axes: tuple[str, str] = ("x", "y")) -> dict:
    """The field as ONE SVG path shape: far cheaper for the browser to redraw than a
    line trace with thousands of gaps."""
    xs, ys = quiver_segments(view.arrows, view.field)
    moves = [f"M{xs[i]:.3f},{ys[i]:.3f}L{xs[i + 1]:.3f},{ys[i + 1]:.3f}" for i in range(0, len(xs), 3)]
    return {
        "type": "path",
        "path": "".join(moves) or "M0,0",
        "xref": axes[0],
        "yref": axes[1],
        "line": {"color": ARROW_COLOR, "width": 1.2},
        "layer": "above",
    }


def density_figure(
    view: DensityView,
    title: str,
    zmax: float | None = None,
    show_field: bool = True,
    height: int = 430,
    show_scale: bool = True,
    as_image: bool = False,
) -> go.Figure:
    """Heatmap of p (shared colour scale up to ``zmax``) with the field ∇ log p as arrows.

    ``show_scale=False`` leaves out the colour bar, for a panel that sits beside
    another with the same scale (and is cheaper for the browser to redraw).
    ``as_image=True`` draws the density as a picture instead of a heatmap trace: it
    looks the same and is several times cheaper to redraw, for a panel that changes
    several times a second, but shows no values on hover and no colour bar.
    """
    shapes = [_quiver_shape(view)] if show_field else []
    if as_image:
        zmax = float(view.density.max()) if zmax is None else zmax
        picture = picture_image(density_rgb(view.density, zmax), view.grid)
        layout = _square_layout(view.grid, title, height, shapes=shapes, images=[picture])
        layout["xaxis"]["showgrid"] = layout["yaxis"]["showgrid"] = False
        return _figure([], layout)
    traces = _density_traces(view, zmax, show_scale=show_scale)
    return _figure(traces, _square_layout(view.grid, title, height, shapes=shapes))


def _points_traces(points: np.ndarray, noisy: np.ndarray | None, axes=("x", "y")) -> list[dict]:
    layers = [] if noisy is None else [(noisy, "noisy x + σ·η", NOISY_COLOR, 0.35)]
    layers.append((points, "data", DATA_COLOR, 0.6))
    traces = []
    for values, name, color, opacity in layers:
        shown = _subsample(values)
        traces.append(
            {
                "type": "scattergl",
                "x": shown[:, 0],
                "y": shown[:, 1],
                "mode": "markers",
                "name": name,
                "marker": {"size": 3, "color": color, "opacity": opacity},
                "xaxis": axes[0],
                "yaxis": axes[1],
            }
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
    legend = {} if noisy is None else {"showlegend": True, "legend": {"orientation": "h", "y": -0.15}}
    return _figure(_points_traces(points, noisy), _square_layout(grid, title, height, **legend))


def _panel_domains(count: int, gap: float) -> list[tuple[float, float]]:
    """Horizontal domains of ``count`` side-by-side panels separated by ``gap``."""
    width = (1 - gap * (count - 1)) / count
    return [(i * (width + gap), i * (width + gap) + width) for i in range(count)]


def _axis_names(index: int) -> tuple[str, str]:
    """Plotly's names of panel ``index``'s axes: ("x", "y"), ("x2", "y2"), …"""
    suffix = "" if index == 0 else str(index + 1)
    return f"x{suffix}", f"y{suffix}"


def panel_title(
    text: str, x_domain: tuple[float, float], y_domain: tuple[float, float] = (0.0, 1.0), size: int = 13
) -> dict:
    """A title centred above the panel of these (paper) domains, as a layout annotation."""
    return {
        "text": text,
        "x": sum(x_domain) / 2,
        "y": y_domain[1],
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": size},
    }


def _panel_titles(titles: Sequence[str], domains, size: int = 13) -> list[dict]:
    return [panel_title(text, domain, size=size) for text, domain in zip(titles, domains)]


def _panel_layout(domains, axes: Sequence[dict], titles: Sequence[str], **layout) -> dict:
    """Layout of side-by-side panels: one (x, y) axis pair per domain, titles above."""
    result = {**app_style(), "showlegend": False, "annotations": _panel_titles(titles, domains), **layout}
    for i, (domain, extra) in enumerate(zip(domains, axes)):
        x_name, y_name = _axis_names(i)
        result[x_name.replace("x", "xaxis")] = {"domain": list(domain), "anchor": y_name, **extra.get("x", {})}
        result[y_name.replace("y", "yaxis")] = {"anchor": x_name, **extra.get("y", {})}
    return result


def curve_trace(steps: Sequence[int], values: Sequence[float], **style) -> dict:
    """A line against steps, drawn with at most ``MAX_CURVE_POINTS`` points: a curve
    that grows every frame for an hour stays as cheap to send and draw as one of a
    minute. Points are taken evenly, first and last always; markers only on short curves."""
    x, y = np.asarray(steps), np.asarray(values, float)
    if len(x) > MAX_CURVE_POINTS:
        keep = np.unique(np.linspace(0, len(x) - 1, MAX_CURVE_POINTS).round().astype(int))
        x, y = x[keep], y[keep]
    marked = len(x) <= MAX_MARKED_POINTS
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines+markers" if marked else "lines",
        **({"marker": {"size": 4}} if marked else {}),
        **style,
    }


def training_curves_figure(
    steps: Sequence[int],
    loss: Sequence[float],
    excess_loss: Sequence[float],
    kl: Sequence[float],
    height: int = 280,
) -> go.Figure:
    """Three panels against training steps: loss, excess loss over the KDE floor, KL."""
    titles = (
        "Denoising loss (held-out batch)",
        "Excess loss over the KDE's optimal denoiser",
        "KL(KDE_σ ‖ DDE) on the grid, nats",
    )
    series = ((loss, "#444", "linear"), (np.maximum(excess_loss, 1e-9), "#d62728", "log"), (kl, "#2ca02c", "log"))
    traces = []
    for i, (values, color, _) in enumerate(series):
        x_name, y_name = _axis_names(i)
        traces.append(curve_trace(steps, values, line={"color": color, "width": 2}, xaxis=x_name, yaxis=y_name))
    axes = [
        {
            "x": {"title": {"text": "step"}},
            "y": {"type": scale, **({"tickformat": ".1g", "dtick": "D2"} if scale == "log" else {})},
        }
        for _, _, scale in series
    ]
    layout = _panel_layout(
        _panel_domains(3, 0.07),
        axes,
        titles,
        height=height,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        uirevision="keep-zoom",
    )
    return _figure(traces, layout)


def comparison_figure(
    points: np.ndarray, dde: DensityView, kde: DensityView, title: str, height: int = 480
) -> go.Figure:
    """Data | DDE density and field | exact KDE density and field, on one colour scale."""
    titles = ("Training data", "DDE: exp f and its gradient ∇f", "Exact KDE at the same σ")
    zmax = float(kde.density.max())
    traces = _points_traces(points, None)
    traces += _density_traces(dde, zmax, _axis_names(1), show_scale=False)
    traces += _density_traces(kde, zmax, _axis_names(2))
    grid = dde.grid
    axes = [
        {
            "x": {"range": list(grid.x_range), "constrain": "domain"},
            "y": {"range": list(grid.y_range), "scaleanchor": _axis_names(i)[0], "constrain": "domain"},
        }
        for i in range(3)
    ]
    layout = _panel_layout(
        _panel_domains(3, 0.04),
        axes,
        titles,
        height=height,
        title={"text": title, "x": 0.01, "font": dict(TITLE_FONT)},
        margin={"l": 30, "r": 10, "t": 80, "b": 30},
        shapes=[_quiver_shape(dde, _axis_names(1)), _quiver_shape(kde, _axis_names(2))],
    )
    return _figure(traces, layout)


def gallery_figure(samples: dict[str, np.ndarray], columns: int = 5, height: int = 300) -> go.Figure:
    """Small multiples of named point clouds (e.g. every toy distribution) on [−4, 4]²."""
    names = list(samples)
    rows = -(-len(names) // columns)
    figure = make_subplots(
        rows=rows, cols=columns, subplot_titles=names, horizontal_spacing=0.02, vertical_spacing=0.12
    )
    for i, name in enumerate(names):
        points = _subsample(samples[name], 800)
        figure.add_trace(
            go.Scattergl(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                marker=dict(size=2, color=DATA_COLOR, opacity=0.6),
                hoverinfo="skip",
            ),
            row=i // columns + 1,
            col=i % columns + 1,
        )
    figure.update_xaxes(range=[-4, 4], showticklabels=False, showgrid=False, zeroline=False)
    figure.update_yaxes(range=[-4, 4], showticklabels=False, showgrid=False, zeroline=False)
    figure.update_layout(app_style(), height=height, margin=dict(l=5, r=5, t=25, b=5), showlegend=False)
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
    traces = [] if view is None else _density_traces(view, zmax)
    points = samples
    if trajectory is not None and len(trajectory):
        end = len(trajectory) - 1 if upto is None else int(np.clip(upto, 0, len(trajectory) - 1))
        paths = np.swapaxes(trajectory[: end + 1], 0, 1)  # (chains, time, 2)
        gaps = np.full((paths.shape[0], 1, 2), np.nan)
        lines = np.concatenate([paths, gaps], axis=1).reshape(-1, 2)
        traces.append(
            {
                "type": "scatter",
                "x": lines[:, 0],
                "y": lines[:, 1],
                "mode": "lines",
                "hoverinfo": "skip",
                "name": "chains",
                "line": {"color": "rgba(255, 80, 80, 0.8)", "width": 1},
            }
        )
        if end < len(trajectory) - 1:
            points = trajectory[end]
    shown = _subsample(points[np.isfinite(points).all(axis=1)])
    traces.append(
        {
            "type": "scattergl",
            "x": shown[:, 0],
            "y": shown[:, 1],
            "mode": "markers",
            "name": "samples",
            "marker": {"size": 3, "opacity": 0.7, "color": "white" if view is not None else DATA_COLOR},
        }
    )
    return _figure(traces, _square_layout(grid, title, height))
