"""One person's playground: the experiment, whether it runs, and its captured frames.

Streamlit keeps one ``PlaygroundSession`` per browser session in
``st.session_state``; nothing here is shared between sessions. How it trains live
(its own thread, turns of the server's scheduler, pausing when nobody watches) is
``LiveTraining``'s (dde_app/live_training.py); here is what a chunk of training
is (``Experiment.advance``), how the DDE panel is drawn, and the downloads.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from dde_app.live_training import LiveTraining, streamlit_connection
from dde_core.errors import InputError
from dde_core.experiment import Config, Experiment
from dde_viz.animation import Frame, FrameBuffer, frame_from_view, gif_bytes
from dde_viz.figures import density_figure

__all__ = ["PlaygroundSession", "changed_fields", "streamlit_connection"]


def changed_fields(old: Config, new: Config) -> list[str]:
    """Names of the settings that differ between two configs, for the warning text."""
    return [name for name, value in old.to_dict().items() if new.to_dict()[name] != value]


class PlaygroundSession(LiveTraining):
    """State of the playground page for one person."""

    def __init__(self, **live_options: Any):
        """``live_options``: ``LiveTraining``'s (frame_capacity, idle_seconds, is_connected, schedule)."""
        super().__init__(**live_options)
        self.experiment: Experiment | None = None
        self.extra_metadata: dict = {}

    @property
    def has_model(self) -> bool:
        return self.experiment is not None

    @property
    def step(self) -> int:
        return self.experiment.step if self.experiment is not None else 0

    def _train(self, steps: int) -> bool:
        self.experiment.train(steps)
        return True

    def _capture(self) -> Frame:
        return frame_from_view(self.experiment.measure(), self.experiment.step)

    def _advance(self, steps: int) -> Frame:
        self._train(steps)
        return self._capture()

    def panel_figure(self, frame: Frame, as_image: bool = False) -> go.Figure:
        """The DDE panel showing ``frame``, on the exact KDE's colour scale.

        ``as_image``: the density as a picture (cheap to redraw, for frames while playing).
        """
        return density_figure(
            frame.as_view(),
            f"DDE: exp f and ∇f, step {frame.step:,}",
            self.experiment.zmax,
            show_scale=False,
            as_image=as_image,
        )

    def live_figure(self, frame: Frame) -> go.Figure:
        return self.panel_figure(frame, as_image=True)

    def start(self, config: Config, points: np.ndarray | None = None, metadata: dict | None = None) -> Experiment:
        """Build a fresh model for ``config`` (raises ValueError, leaving the old one, on bad input)."""
        self.pause()
        experiment = Experiment(config, points)  # may raise: nothing changed yet
        with self.lock:
            return self._replace(experiment, metadata)

    def _replace(self, experiment: Experiment, metadata: dict | None) -> Experiment:
        self.running = False  # a trainer thread ends after the chunk it is in
        self.experiment = experiment
        self.frames = FrameBuffer(self.frames.capacity)
        self.frames.add(frame_from_view(experiment.view, experiment.step))
        self.extra_metadata = dict(metadata or {})
        return experiment

    def release(self) -> None:
        """Free the model, its data and its frames (its tab has been gone for the reload
        grace period, dde_app/resume.py). If the same Streamlit session comes back later
        anyway, its page finds no model and starts a new one from the settings shown."""
        self.pause()
        with self.lock:
            self.experiment = None
            self.frames = FrameBuffer(self.frames.capacity)
            self.extra_metadata = {}

    def reset(self) -> Experiment:
        """Same config and data, new untrained model."""
        if self.experiment is None:
            raise InputError("There is no model to reset yet.")
        return self.start(self.experiment.config, self.experiment.points, self.extra_metadata)

    def metrics(self) -> dict:
        """Settings, latest measurements and the whole record, read under the lock
        (the trainer thread appends to the record)."""
        if self.experiment is None:
            return {}
        with self.lock:
            return {
                **self.experiment.summary(),
                **self.extra_metadata,
                "record": asdict(self.experiment.record.snapshot()),
            }

    def metrics_json(self) -> str:
        """``metrics()`` as JSON text, for the download."""
        return json.dumps(self.metrics(), indent=2, default=float)

    def model_bytes(self) -> bytes:
        """The trained model as the bytes of a ``.keras`` file."""
        if self.experiment is None:
            raise InputError("There is no model to download yet.")
        with tempfile.TemporaryDirectory() as folder, self.lock:
            path = Path(folder) / "dde.keras"
            self.experiment.model.save(
                path, metadata={"dataset": self.experiment.config.dataset, **self.extra_metadata}
            )
            return path.read_bytes()

    def replay_gif(self) -> bytes:
        """All captured frames as an animated GIF (same colour scale as the KDE panel)."""
        if self.experiment is None:
            raise InputError("There is no model yet.")
        return gif_bytes(self.frames.frames, zmax=self.experiment.zmax)
