"""Frames captured during training, for replay and for an animated GIF.

A ``Frame`` keeps what the DDE panel showed at one step, at low precision
(float16 density, 100×100 cells ≈ 20 kB).  ``FrameBuffer`` caps how many are
kept: when full it drops every other frame, so a long run keeps an evenly
spread history in bounded memory.  ``gif_bytes`` draws frames with Pillow
(no browser needed): the density in the same Viridis scale as the app.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from dde_core.errors import InputError
from dde_core.grid import Grid
from dde_core.views import DensityView

from .figures import density_rgb, quiver_segments

__all__ = ["Frame", "FrameBuffer", "frame_from_view", "render_frame", "gif_bytes"]


@dataclass(frozen=True)
class Frame:
    step: int
    density: np.ndarray  # (n, n) float16, p per unit area
    field: np.ndarray  # (k, k, 2) float16, ∇ log p on the arrow lattice
    grid: Grid
    arrows: Grid

    def as_view(self) -> DensityView:
        """Back to a ``DensityView`` so the same figure builders draw it."""
        log_density = np.log(np.maximum(self.density.astype(np.float64), 1e-300))
        return DensityView(self.grid, log_density, self.arrows, self.field.astype(np.float64))


def frame_from_view(view: DensityView, step: int) -> Frame:
    return Frame(step, view.density.astype(np.float16), view.field.astype(np.float16), view.grid, view.arrows)


@dataclass
class FrameBuffer:
    """At most ``capacity`` frames, thinned evenly when full."""

    capacity: int = 120
    frames: list[Frame] = field(default_factory=list)

    def add(self, frame: Frame) -> None:
        if len(self.frames) >= self.capacity:
            self.frames = self.frames[::2]
        self.frames.append(frame)

    def __len__(self) -> int:
        return len(self.frames)


def render_frame(frame: Frame, zmax: float, size: int = 400) -> Image.Image:
    """The density as a ``size``×``size`` image, arrows in white, step written on it."""
    image = Image.fromarray(density_rgb(frame.density, zmax), "RGB").resize((size, size), Image.BILINEAR)
    draw = ImageDraw.Draw(image)
    grid = frame.grid
    xs, ys = quiver_segments(frame.arrows, frame.field.astype(np.float64))

    def pixel(x: float, y: float) -> tuple[float, float]:
        return (
            (x - grid.x_range[0]) / (grid.x_range[1] - grid.x_range[0]) * size,
            (grid.y_range[1] - y) / (grid.y_range[1] - grid.y_range[0]) * size,
        )

    for i in range(0, len(xs), 3):  # "from, to, gap" triples
        draw.line([pixel(xs[i], ys[i]), pixel(xs[i + 1], ys[i + 1])], fill=(255, 255, 255), width=1)
    draw.text((8, 6), f"step {frame.step}", fill=(255, 255, 255))
    return image


def gif_bytes(frames: list[Frame], zmax: float, size: int = 400, frame_ms: int = 120) -> bytes:
    """An animated GIF of the frames, looping; raises ValueError when there are none."""
    if not frames:
        raise InputError("There are no captured frames yet: train for a few frames first.")
    images = [render_frame(frame, zmax, size) for frame in frames]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=frame_ms, loop=0)
    return buffer.getvalue()
