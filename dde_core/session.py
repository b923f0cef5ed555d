"""One person's playground: the experiment, whether it runs, and its captured frames.

Streamlit keeps one ``PlaygroundSession`` per browser session in
``st.session_state``; nothing here is shared between sessions.

State, training loop and view are kept apart (as in TensorFlow Playground):
``play`` starts this session's own trainer thread, which calls ``tick`` (one
chunk of ``steps_per_frame`` steps, then a captured frame) until ``pause``;
the page only reads ``latest_frame`` a few times a second and draws it, so
drawing never waits for training and training never waits for the browser.
The trainer stops by itself when the page stops asking for frames
(``heartbeat``) for ``idle_seconds``: a closed tab frees its CPU at once and
its memory with the session.

Every method that trains, replaces or reads the model holds the session's
lock, so two threads (the trainer, a click's rerun) never touch one model at once.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from dataclasses import asdict
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

    def __init__(self, frame_capacity: int = 120, idle_seconds: float = 10.0):
        self.experiment: Experiment | None = None
        self.frames = FrameBuffer(frame_capacity)
        self.running = False
        self.extra_metadata: dict = {}
        self.lock = threading.RLock()
        self.idle_seconds = idle_seconds
        self.last_error: str | None = None
        self._last_seen = time.monotonic()
        self._trainer: threading.Thread | None = None

    # -- the trainer thread ---------------------------------------------------------------
    def play(self, steps_per_frame: int) -> None:
        """Train in the background, ``steps_per_frame`` steps per captured frame."""
        if self.experiment is None:
            raise ValueError("There is no model to train yet.")
        self.steps_per_frame = int(steps_per_frame)
        self.last_error = None
        self.heartbeat()
        self.running = True
        if self._trainer is None or not self._trainer.is_alive():
            self._trainer = threading.Thread(target=self._train, name="dde-trainer", daemon=True)
            self._trainer.start()

    def pause(self) -> None:
        """Stop training after the current chunk; returns once the trainer has stopped."""
        self.running = False
        trainer = self._trainer
        if trainer is not None and trainer is not threading.current_thread():
            trainer.join(timeout=30)

    def heartbeat(self) -> None:
        """Called by the page whenever it draws: the person is still watching."""
        self._last_seen = time.monotonic()

    def _train(self) -> None:
        while self.running:
            if time.monotonic() - self._last_seen > self.idle_seconds:
                self.running = False  # nobody is watching: stop using the CPU
                break
            try:
                self.tick(self.steps_per_frame)
            except ValueError as error:
                self.last_error = str(error)
                break

    @property
    def latest_frame(self):
        """The newest captured frame (step and what the DDE panel shows), without waiting."""
        return self.frames.frames[-1]

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

    def reset(self) -> Experiment:
        """Same config and data, new untrained model."""
        if self.experiment is None:
            raise ValueError("There is no model to reset yet.")
        return self.start(self.experiment.config, self.experiment.points, self.extra_metadata)

    def tick(self, steps: int) -> None:
        """Train ``steps`` steps now and capture the frame; stops running if training fails."""
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
        """Settings, latest measurements and the whole record, read under the lock
        (the trainer thread appends to the record)."""
        if self.experiment is None:
            return {}
        with self.lock:
            return {**self.experiment.summary(), **self.extra_metadata,
                    "record": asdict(self.experiment.record.snapshot())}

    def metrics_json(self) -> str:
        """``metrics()`` as JSON text, for the download."""
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
        return gif_bytes(self.frames.frames, zmax=self.experiment.zmax)
