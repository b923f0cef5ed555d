"""One person's playground: the experiment, whether it runs, and its captured frames.

Streamlit keeps one ``PlaygroundSession`` per browser session in
``st.session_state``; nothing here is shared between sessions.  The page calls
``tick`` once per animation frame; everything else is plain state changes, so
this logic is tested without a browser.

A click can start a rerun while the previous run's frame is still training
(Streamlit's fast reruns), so every method that trains, replaces or reads the
model holds the session's lock: two threads never touch one model at once.
"""

from __future__ import annotations

import json
import tempfile
import threading
from pathlib import Path

import numpy as np

from .animation import FrameBuffer, frame_from_view, gif_bytes
from .experiment import Config, Experiment

__all__ = ["PlaygroundSession", "changed_fields"]


def changed_fields(old: Config, new: Config) -> list[str]:
    """Names of the settings that differ between two configs, for the warning text."""
    return [name for name, value in old.to_dict().items() if new.to_dict()[name] != value]


class PlaygroundSession:
    """State of the playground page for one person."""

    def __init__(self, frame_capacity: int = 120):
        self.experiment: Experiment | None = None
        self.frames = FrameBuffer(frame_capacity)
        self.running = False
        self.extra_metadata: dict = {}
        self.lock = threading.RLock()

    def start(self, config: Config, points: np.ndarray | None = None, metadata: dict | None = None) -> Experiment:
        """Build a fresh model for ``config`` (raises ValueError, leaving the old one, on bad input)."""
        experiment = Experiment(config, points)  # may raise: nothing changed yet
        with self.lock:
            return self._replace(experiment, metadata)

    def _replace(self, experiment: Experiment, metadata: dict | None) -> Experiment:
        self.experiment = experiment
        self.frames = FrameBuffer(self.frames.capacity)
        self.frames.add(frame_from_view(experiment.view, experiment.step))
        self.running = False
        self.extra_metadata = dict(metadata or {})
        return experiment

    def reset(self) -> Experiment:
        """Same config and data, new untrained model."""
        if self.experiment is None:
            raise ValueError("There is no model to reset yet.")
        return self.start(self.experiment.config, self.experiment.points, self.extra_metadata)

    def tick(self, steps: int) -> None:
        """Train ``steps`` steps and capture the frame; stops running if training fails."""
        with self.lock:
            if self.experiment is None:
                raise ValueError("There is no model yet.")
            try:
                view = self.experiment.advance(steps)
            except ValueError:
                self.running = False
                raise
            self.frames.add(frame_from_view(view, self.experiment.step))

    def metrics(self) -> dict:
        if self.experiment is None:
            return {}
        return {**self.experiment.summary(), **self.extra_metadata,
                "record": self.experiment.record.__dict__}

    def metrics_json(self) -> str:
        return json.dumps(self.metrics(), indent=2, default=float)

    def model_bytes(self) -> bytes:
        """The trained model as the bytes of a ``.keras`` file."""
        if self.experiment is None:
            raise ValueError("There is no model to download yet.")
        with tempfile.TemporaryDirectory() as folder, self.lock:
            path = Path(folder) / "dde.keras"
            self.experiment.model.save(path, metadata={
                "dataset": self.experiment.config.dataset, **self.extra_metadata})
            return path.read_bytes()

    def replay_gif(self) -> bytes:
        """All captured frames as an animated GIF (same colour scale as the KDE panel)."""
        if self.experiment is None:
            raise ValueError("There is no model yet.")
        return gif_bytes(self.frames.frames, zmax=float(self.experiment.kde_view.density.max()))
