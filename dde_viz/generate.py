"""Figures of the Generate page: pure functions, data in and ``go.Figure`` out.

(1) ``generated_figure``: the data, the generated samples on top, and each sample's push
    (the direction its next generator step moves it), as ONE line trace of segments;
(2) ``critic_figure``: what the generator is pushed by, on a grid: the sample DDE's density
    (the project's density colour scale) or the GAN discriminator's D(x) (0 to 1);
(3) ``metric_curves_figure``: the measures of ``dde_core.generation_metrics`` over steps,
    one panel per measure, one line per method;
(4) ``generation_panels_figure``: (1) and (2) of every method of one captured
    ``GenerationFrame`` in one figure (a row per method), what the page's live panel draws;
    ``gif_bytes`` the captured frames as an animated GIF (Pillow, no browser).

Same look as ``figures``: its style, square data-unit axes and subsampling.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from PIL import Image, ImageDraw

from dde_core.generation_metrics import METRIC_LABELS, MetricCurves
from dde_core.grid import Grid
from dde_viz.figures import (
    DATA_COLOR,
    DENSITY_COLORSCALE,
    TITLE_FONT,
    _figure,
    _square_layout,
    _subsample,
    app_style,
    curve_trace,
    density_rgb,
    panel_title,
    picture_image,
)

__all__ = [
    "generated_figure",
    "critic_figure",
    "metric_curves_figure",
    "METHOD_COLORS",
    "MethodFrame",
    "GenerationFrame",
    "generation_panels_figure",
    "gif_bytes",
]

SAMPLE_COLOR = "#d62728"
PUSH_COLOR = "rgba(40, 40, 40, 0.6)"
METHOD_COLORS = {"DDE generator": "#d62728", "GAN": "#1f77b4"}  # one colour per method, every chart
MAX_PUSHES_SHOWN = 1000
PUSH_LENGTH = 0.06  # the longest pushes (95th percentile and above) span this share of the box's width
DISCRIMINATOR_COLORSCALE = "RdBu_r"  # blue: "generated", red: "data" (D = 0.5 white)
CRITIC_KINDS = ("sample_dde", "discriminator")
LIVE_DATA_POINTS = 800  # data points drawn in each live frame (the rest add bytes, not information)


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


def _shown_pushes(samples: np.ndarray, push: np.ndarray, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """The push segments drawn (x and y, as ``_push_segments``): those of the first
    ``MAX_PUSHES_SHOWN`` samples, the longest ``PUSH_LENGTH`` of the box's width."""
    count = min(len(samples), MAX_PUSHES_SHOWN)
    longest = PUSH_LENGTH * (grid.x_range[1] - grid.x_range[0])
    return _push_segments(samples[:count], np.asarray(push, np.float64)[:count], longest)


def _scatter(
    points: np.ndarray, name: str, color: str, size: float, opacity: float, axes: tuple[str, str] = ("x", "y")
) -> dict:
    shown = _subsample(points[np.isfinite(points).all(axis=1)])
    return {
        "xaxis": axes[0],
        "yaxis": axes[1],
        "type": "scattergl",
        "x": shown[:, 0],
        "y": shown[:, 1],
        "mode": "markers",
        "name": name,
        "hoverinfo": "skip",
        "marker": {"size": size, "color": color, "opacity": opacity},
    }


def _generated_traces(
    data: np.ndarray, samples: np.ndarray, push: np.ndarray | None, grid: Grid, axes: tuple[str, str] = ("x", "y")
) -> list[dict]:
    """Data, the pushes of the first ``MAX_PUSHES_SHOWN`` samples as segments, the samples."""
    samples = np.asarray(samples, np.float64)
    traces = [_scatter(np.asarray(data, np.float64), "data", DATA_COLOR, 3, 0.25, axes)]
    if push is not None:
        xs, ys = _shown_pushes(samples, push, grid)
        traces.append(
            {
                "type": "scattergl",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "name": "push",
                "hoverinfo": "skip",
                "line": {"color": PUSH_COLOR, "width": 1},
                "xaxis": axes[0],
                "yaxis": axes[1],
            }
        )
    traces.append(_scatter(samples, "generated", SAMPLE_COLOR, 4, 0.8, axes))
    return traces


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
    legend = {"showlegend": True, "legend": {"orientation": "h", "y": -0.12}}
    return _figure(_generated_traces(data, samples, push, grid), _square_layout(grid, title, height, **legend))


def _critic_trace(grid: Grid, values: np.ndarray, kind: str, zmax: float | None, axes=("x", "y"), scale=True) -> dict:
    """The critic on the grid as a heatmap trace (see ``critic_figure``)."""
    if kind not in CRITIC_KINDS:
        raise ValueError(f"kind must be 'sample_dde' or 'discriminator', got {kind!r}.")
    values = np.asarray(values, np.float32)
    density = kind == "sample_dde"
    return {
        "type": "heatmap",
        "x": grid.xs,
        "y": grid.ys,
        "z": values,
        "zmin": 0.0,
        "zmax": (float(values.max()) if zmax is None else zmax) if density else 1.0,
        "colorscale": DENSITY_COLORSCALE if density else DISCRIMINATOR_COLORSCALE,
        "showscale": scale,
        "colorbar": {"title": {"text": "q(x)" if density else "D(x)", "side": "right"}, "thickness": 12, "len": 0.8},
        "hovertemplate": "x₁=%{x:.2f}<br>x₂=%{y:.2f}<br>%{z:.3g}<extra></extra>",
        "xaxis": axes[0],
        "yaxis": axes[1],
    }


def critic_figure(grid: Grid, values: np.ndarray, kind: str, title: str, zmax: float | None = None, height: int = 430):
    """Heatmap of the critic on the grid, values (n, n) with rows along y.

    kind "sample_dde": a density (probability per unit area) on the project's density
    scale, 0 to ``zmax`` (default: its maximum); kind "discriminator": D(x) from 0 to 1,
    white where the discriminator cannot tell (D = 0.5).
    """
    return _figure([_critic_trace(grid, values, kind, zmax)], _square_layout(grid, title, height))


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
                curve_trace(
                    series.steps,
                    series.values.get(name, [np.nan] * len(series.steps)),
                    name=method,
                    legendgroup=method,
                    showlegend=i == 0,
                    line={"color": METHOD_COLORS.get(method), "width": 2},
                    xaxis=f"x{suffix}",
                    yaxis=f"y{suffix}",
                )
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
        layout["annotations"].append(panel_title(METRIC_LABELS[name], x_domain, y_domain, 12))
    return _figure(traces, layout)


# ---- captured frames, the live panels and the GIF ------------------------------------------------


@dataclass(frozen=True)
class MethodFrame:
    """What one method showed at a captured frame (small: float32/float16 arrays).

    samples (m, 2) generated points g(z) of fixed latent draws; push (m, 2) or None (not
    defined yet, e.g. while the data DDE trains); critic (n, n) on the frame's grid, of
    ``critic_kind`` ("sample_dde": a density, "discriminator": D(x)); critic_title says what
    it is; metrics the latest measures (``generation_metrics.METRIC_LABELS`` names).
    """

    samples: np.ndarray
    push: np.ndarray | None
    critic: np.ndarray
    critic_kind: str
    critic_title: str
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationFrame:
    """One captured frame of a generation run: ``step`` counts every training step taken
    (data DDE, critic and generator steps: it only grows, as the frames route needs);
    ``generator_step`` the generator steps; ``phase`` what the frame shows in words; one
    ``MethodFrame`` per method label (``METHOD_COLORS`` keys)."""

    step: int
    generator_step: int
    phase: str
    methods: Mapping[str, MethodFrame]


@functools.lru_cache(maxsize=4)
def _colour_table(scale: str) -> np.ndarray:
    """(256, 3) uint8 colours of a Plotly colour scale, from its low end to its high end."""
    colours = plotly.colors.sample_colorscale(plotly.colors.get_colorscale(scale), np.linspace(0, 1, 256))
    return np.array([plotly.colors.unlabel_rgb(colour) for colour in colours]).round().astype(np.uint8)


def critic_rgb(values: np.ndarray, kind: str, zmax: float) -> np.ndarray:
    """Colours (n, n, 3) uint8, image rows top-down, of the critic as ``critic_figure`` colours it."""
    if kind == "sample_dde":
        return density_rgb(values, zmax)
    scaled = np.clip(np.nan_to_num(np.asarray(values, np.float64), nan=0.5), 0.0, 1.0)
    return _colour_table(DISCRIMINATOR_COLORSCALE)[np.round(scaled * 255).astype(np.int64)][::-1]


def generation_panels_figure(
    frame: GenerationFrame,
    data: np.ndarray,
    grid: Grid,
    zmax: float,
    title: str,
    as_image: bool = False,
    row_height: int = 400,
) -> go.Figure:
    """A row per method of ``frame``: (1) data, generated samples and their pushes; (2) the
    critic on the grid (density colours up to ``zmax``; D(x) from 0 to 1).

    ``as_image``: for the live panel, each panel a picture (layout images, no traces: the
    browser only decodes two PNGs per method, several times cheaper to redraw than hundreds of
    WebGL markers and segments; no hover); fewer data points are drawn.
    """
    data = np.asarray(data, np.float64)  # each way of drawing takes its own subsample
    rows = list(frame.methods.items())
    domains = _grid_domains(2 * len(rows), 2, gap=0.1, row_gap=0.12)
    traces, images, titles = [], [], []
    layout = {
        **app_style(),
        "title": {"text": title, "x": 0.01, "font": dict(TITLE_FONT)},
        "height": row_height * len(rows) + 40,
        "margin": {"l": 40, "r": 20, "t": 70, "b": 30},
        "uirevision": "keep-zoom",
        "showlegend": False,
    }
    for row, (label, method) in enumerate(rows):
        for column in range(2):
            index = 2 * row + column
            suffix = "" if index == 0 else str(index + 1)
            axes = (f"x{suffix}", f"y{suffix}")
            x_domain, y_domain = domains[index]
            layout[f"xaxis{suffix}"] = {
                "domain": list(x_domain),
                "anchor": axes[1],
                "range": list(grid.x_range),
                "constrain": "domain",
                "showgrid": not as_image,
                "zeroline": column == 0 and not as_image,
            }
            layout[f"yaxis{suffix}"] = {
                "domain": list(y_domain),
                "anchor": axes[0],
                "range": list(grid.y_range),
                "scaleanchor": axes[0],
                "scaleratio": 1,
                "constrain": "domain",
                "showgrid": not as_image,
                "zeroline": column == 0 and not as_image,
            }
        push_word = "push ∇log D" if method.critic_kind == "discriminator" else "push ∇f_data − ∇f_gen"
        titles.append(
            (label + (f": samples and their {push_word}" if method.push is not None else ": samples"), domains[2 * row])
        )
        titles.append((f"{label}: {method.critic_title}", domains[2 * row + 1]))
        samples_axes, critic_axes = _axes_of(2 * row), _axes_of(2 * row + 1)
        if as_image:
            images.append(picture_image(samples_picture(method, data, grid), grid, samples_axes, "below", upscale=1))
            critic_colours = critic_rgb(method.critic, method.critic_kind, zmax)
            images.append(picture_image(critic_colours, grid, critic_axes, layer="below"))
        else:
            traces += _generated_traces(data, method.samples, method.push, grid, samples_axes)
            traces.append(_critic_trace(grid, method.critic, method.critic_kind, zmax, critic_axes, scale=False))
    layout["images"] = images
    layout["annotations"] = [panel_title(text, x_domain, y_domain, 13) for text, (x_domain, y_domain) in titles]
    return _figure(traces, layout)


def _axes_of(index: int) -> tuple[str, str]:
    suffix = "" if index == 0 else str(index + 1)
    return f"x{suffix}", f"y{suffix}"


def _draw_points(
    image: Image.Image, method: MethodFrame, data: np.ndarray, grid: Grid, colours: dict[str, tuple[int, int, int]]
) -> None:
    """Draw onto ``image`` (covering the grid's box) a subsample of the data, the pushes and
    the samples of ``method``, in ``colours`` ("data", "push", "sample")."""
    draw = ImageDraw.Draw(image)
    size_x, size_y = image.size
    width, height = grid.x_range[1] - grid.x_range[0], grid.y_range[1] - grid.y_range[0]

    def pixels(points: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [(points[:, 0] - grid.x_range[0]) / width * size_x, (grid.y_range[1] - points[:, 1]) / height * size_y]
        )

    for x, y in pixels(_subsample(np.asarray(data, np.float64), LIVE_DATA_POINTS)):
        draw.rectangle((x - 0.5, y - 0.5, x + 0.5, y + 0.5), fill=colours["data"])  # 2×2 px
    samples = np.asarray(method.samples, np.float64)
    finite = np.isfinite(samples).all(axis=1)
    if method.push is not None:
        segments = pixels(np.column_stack(_shown_pushes(samples, method.push, grid)))
        for i in range(0, len(segments), 3):
            draw.line([tuple(segments[i]), tuple(segments[i + 1])], fill=colours["push"], width=1)
    for x, y in pixels(samples[finite]):
        draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=colours["sample"])


LIVE_PICTURE_PIXELS = 400  # the live samples panel's picture, per side
_ON_WHITE = {"data": (170, 170, 170), "push": (70, 70, 70), "sample": (214, 39, 40)}
_ON_CRITIC = {"data": (200, 200, 200), "push": (255, 255, 255), "sample": (214, 39, 40)}


def samples_picture(method: MethodFrame, data: np.ndarray, grid: Grid, size: int = LIVE_PICTURE_PIXELS) -> np.ndarray:
    """Colours (size, size, 3) uint8, rows top-down: the samples panel as a picture (data grey,
    pushes dark, samples red on white), for the live panel: one image instead of three traces."""
    image = Image.new("RGB", (size, size), (255, 255, 255))
    _draw_points(image, method, data, grid, _ON_WHITE)
    return np.asarray(image)


def _render_method(
    method: MethodFrame, data: np.ndarray, grid: Grid, zmax: float, label: str, step_text: str, size: int
) -> Image.Image:
    """One method of a frame as a picture: the critic behind, the data, the samples and pushes."""
    image = Image.fromarray(critic_rgb(method.critic, method.critic_kind, zmax), "RGB").resize(
        (size, size), Image.BILINEAR
    )
    _draw_points(image, method, data, grid, _ON_CRITIC)
    ImageDraw.Draw(image).text((6, 4), f"{label}, {step_text}", fill=(255, 255, 255))
    return image


def gif_bytes(
    frames: Sequence[GenerationFrame], data: np.ndarray, grid: Grid, zmax: float, size: int = 320, frame_ms: int = 120
) -> bytes:
    """The frames as a looping animated GIF, each method side by side (critic behind, data in
    grey, samples in red, pushes in white). Raises ValueError when there are no frames."""
    if not frames:
        raise ValueError("There are no captured frames yet: train for a few frames first.")
    pictures = []
    for frame in frames:
        parts = [
            _render_method(method, data, grid, zmax, label, f"generator step {frame.generator_step}", size)
            for label, method in frame.methods.items()
        ]
        picture = Image.new("RGB", (size * len(parts), size), "white")
        for i, part in enumerate(parts):
            picture.paste(part, (i * size, 0))
        pictures.append(picture)
    buffer = io.BytesIO()
    pictures[0].save(buffer, format="GIF", save_all=True, append_images=pictures[1:], duration=frame_ms, loop=0)
    return buffer.getvalue()
