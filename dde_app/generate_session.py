"""One person's Generate page: the data, the generator(s), their captured frames and measures.

A ``GenerateSession`` trains live as the Playground does (``LiveTraining``: its own
trainer thread, chunks in turns of the server's scheduler, pauses when nobody watches,
frames served by the frames route of dde_app/live_view.py). What one chunk is:

1. while the DDE generator's data DDE f_data is not trained yet (``data_steps`` steps), a
   chunk is ``DATA_STEPS_PER_FRAME`` of its steps, and the critic panel shows f_data
   learning the data (the generators wait, so "both" methods keep one step budget);
2. then ``steps_per_frame`` generator steps of every method (each after its critic's
   steps): method "both" trains the DDE generator and the GAN from the same initial
   generator with the same latent draws (same seed, ``dde_core.generation``);
3. part-wise (``step_part``, as GAN Lab steps D and G): the critic alone (the sample DDE,
   or the discriminator) or the generator alone.

Each chunk ends with a small captured frame (``GenerationFrame``: a few hundred generated
points of fixed latent draws, their pushes, the critic on a 64×64 grid, the latest
measures); the measures (``generation_metrics``) are taken every ``METRIC_EVERY`` generator
steps, and after every Step click. Training that diverges stops with the engine's message
(what happened, what to lower or raise) and no new frame: the last good one stays.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from dde_app.live_training import LiveTraining
from dde_core import datasets
from dde_core.errors import InputError
from dde_core.generation.defaults import DDE_GENERATOR
from dde_core.generation_metrics import GenerationReference, MetricCurves
from dde_core.grid import Grid
from dde_core.limits import MAX_TRAINING_POINTS
from dde_core.normalization import log_z_grid
from dde_core.validation import check_points, check_positive_float, check_positive_int, check_sigma
from dde_viz.animation import FrameBuffer
from dde_viz.generate import GenerationFrame, MethodFrame, generation_panels_figure, gif_bytes

__all__ = ["GenerateSettings", "GenerateSession", "METHODS", "DDE_LABEL", "GAN_LABEL"]

DDE_LABEL, GAN_LABEL = "DDE generator", "GAN"
METHODS = {"dde": (DDE_LABEL,), "gan": (GAN_LABEL,), "both": (DDE_LABEL, GAN_LABEL)}
TOY_BOX = (-4.0, 4.0)  # the toys' view (docs/science.md §6)
GRID_CELLS = 64  # cells per side of the critic panels and of the grid KL
FRAME_SAMPLES = 300  # generated points per frame (fixed latent draws: one sees them move)
FRAME_SEED = 7  # their latent seed
METRIC_SAMPLES = 500  # generated points per measurement
METRIC_EVERY = 100  # generator steps between two measurements while playing
FRESH_POINTS = 1000  # data points the samples are compared with
FRAME_SECONDS = 0.16  # a live frame with "auto" steps per frame, training and capture (≥ 5 frames/s)
TRAINING_SHARE = 0.6  # ... of which training takes at least this share (≥ 60% of headless speed)
AUTO_STEPS = (1, 100)  # the fewest and most generator (or data-DDE) steps of an "auto" frame
CLICK_STEPS = 10  # generator steps of a Step click with "auto" steps per frame
DATA_STEPS_PER_CLICK = 250  # data-DDE steps per Step click
SAMPLES_DOWNLOADED = 2000
SIZE_LIMITS = {  # field -> (lowest, highest, what it is)
    "latent_dim": (1, 16, "the latent size"),
    "width": (2, 512, "the generator's layer width"),
    "depth": (1, 6, "the generator's number of layers"),
    "critic_width": (2, 512, "the critics' layer width"),
    "steps_per_frame": (0, 500, "the steps per frame (0: auto)"),
    "n_samples": (2, MAX_TRAINING_POINTS, "the number of data points"),  # (a drawing may be small)
    "batch_size": (2, 4096, "the batch size"),
    "data_steps": (1, 20_000, "the data DDE's training steps"),
}


@dataclass(frozen=True)
class GenerateSettings:
    """What defines one generation run (the page's controls).

    dataset: a toy name (``datasets.names()``), or a description of uploaded points;
    n_samples, data_seed: points drawn from a toy; sigma: σ of both DDEs (data units);
    latent_dim, width, depth: the generator (k, and ``depth`` hidden layers of ``width``);
    critic_width: the 3 hidden layers of the DDEs and of the discriminator; learning_rate:
    the generator's Adam step; method: "dde", "gan" or "both"; seed: the initial weights and
    latent draws; steps_per_frame: generator steps per frame (0, "auto": as many as take about
    ``FRAME_SECONDS`` per frame while playing, ``CLICK_STEPS`` per Step click); batch_size;
    data_steps: the data DDE's training steps.
    """

    dataset: str = "8gaussians"
    n_samples: int = 10_000
    data_seed: int = 0
    sigma: float = DDE_GENERATOR.sigma
    latent_dim: int = DDE_GENERATOR.latent_dim
    width: int = DDE_GENERATOR.hidden[0]
    depth: int = len(DDE_GENERATOR.hidden)
    critic_width: int = DDE_GENERATOR.critic_hidden[0]
    learning_rate: float = DDE_GENERATOR.learning_rate
    method: str = "dde"
    seed: int = 0
    steps_per_frame: int = 0
    batch_size: int = DDE_GENERATOR.batch_size
    data_steps: int = DDE_GENERATOR.data_steps

    def checked(self) -> GenerateSettings:
        """These settings with numbers as numbers; raises InputError naming a bad value."""
        if self.method not in METHODS:
            raise InputError(f"The method must be one of {', '.join(METHODS)}, got {self.method!r}.")
        sizes = {}
        for name, (low, high, words) in SIZE_LIMITS.items():
            value = getattr(self, name)
            try:
                value = check_positive_int(value, name, minimum=low)
            except InputError:
                raise InputError(
                    f"{words.capitalize()} must be a whole number from {low} to {high}, got {value!r}."
                ) from None
            if value > high:
                raise InputError(f"{words.capitalize()} must be a whole number from {low} to {high}, got {value:,}.")
            sizes[name] = value
        try:
            learning_rate = check_positive_float(self.learning_rate, "learning_rate")
        except InputError:
            raise InputError(
                f"The learning rate must be a finite number above 0, got {self.learning_rate!r}."
            ) from None
        return replace(
            self,
            sigma=check_sigma(self.sigma),
            learning_rate=learning_rate,
            seed=check_positive_int(self.seed, "seed", minimum=0),
            data_seed=check_positive_int(self.data_seed, "data_seed", minimum=0),
            **sizes,
        )

    @property
    def labels(self) -> tuple[str, ...]:
        """The methods' labels, in the order they are drawn."""
        return METHODS[self.method]

    def generator_params(self) -> dict:
        """The parameters both methods' generators share (same values: same generator)."""
        return {
            "latent_dim": self.latent_dim,
            "hidden": (self.width,) * self.depth,
            "learning_rate": self.learning_rate,
            "batch_size": self.batch_size,
            "seed": self.seed,
        }


def _make_model(label: str, settings: GenerateSettings) -> Any:
    from dde_core.generation import GAN, DDEGenerator

    critic = (settings.critic_width,) * len(DDE_GENERATOR.critic_hidden)
    if label == DDE_LABEL:
        return DDEGenerator(
            sigma=settings.sigma, dde_hidden=critic, data_steps=settings.data_steps, **settings.generator_params()
        )
    return GAN(discriminator_hidden=critic, **settings.generator_params())


class GenerateSession(LiveTraining):
    """State of the Generate page for one person (nothing here is shared between sessions)."""

    def __init__(self, **live_options: Any):
        """``live_options``: ``LiveTraining``'s (frame_capacity, idle_seconds, is_connected, schedule)."""
        super().__init__(**live_options)
        self.settings: GenerateSettings | None = None
        self.points: np.ndarray | None = None
        self.metadata: dict = {}
        self.models: dict[str, Any] = {}
        self.data_dde = None  # f_data of the DDE generator, trained here chunk by chunk
        self.grid: Grid | None = None
        self.reference: GenerationReference | None = None
        self.zmax = 1.0
        self.curves: dict[str, MetricCurves] = {}
        self._serial = 0  # every training step taken (the frames' ``step``: it only grows)
        self._measured_at = -1
        self._part = "both"
        self._seconds_per_step = {"data": 0.0, "generator": 0.0}  # of the latest chunks (auto frames)
        self._capture_seconds = 0.0  # of the latest frame's capture

    # -- what LiveTraining needs ---------------------------------------------------------
    @property
    def has_model(self) -> bool:
        return bool(self.models)

    @property
    def step(self) -> int:
        """Generator steps taken (the same for every method)."""
        return next(iter(self.models.values())).n_steps_ if self.models else 0

    @property
    def data_steps_done(self) -> int:
        return self.data_dde.n_steps_ if self.data_dde is not None else 0

    @property
    def data_ready(self) -> bool:
        """True when the generators can train: no data DDE is needed, or it is trained."""
        return self.data_dde is None or self.data_steps_done >= self.settings.data_steps

    def _advance(self, steps: int) -> GenerationFrame:
        if not self.data_ready:
            chunk = self._frame_steps("data", DATA_STEPS_PER_CLICK)
            chunk = min(chunk, self.settings.data_steps - self.data_steps_done)
            self._timed("data", chunk, lambda: self.data_dde.partial_fit(steps=chunk))
            return self._capture()
        steps = self._frame_steps("generator", CLICK_STEPS) if self.settings.steps_per_frame == 0 else steps
        self._train_generators(steps)
        if self.step - self._measured_at >= METRIC_EVERY or (not self.running and self.step != self._measured_at):
            self._measure()
        return self._capture()

    def _train(self, steps: int) -> bool:
        """Part of a frame's generator steps, when a frame is split over several turns (many
        sessions playing). Only fixed-size frames split: "auto" frames and the data DDE's
        chunks already fit in ``FRAME_SECONDS``, and return False (one turn each)."""
        if not self.data_ready or self.settings.steps_per_frame == 0:
            return False
        self._train_generators(steps)
        return True

    def _train_generators(self, steps: int) -> None:
        """``steps`` steps of the part being trained (``_part``) of every method, timed."""
        self._timed("generator", steps, lambda: self._train_each(self._part, steps))

    def _train_each(self, part: str, steps: int) -> None:
        """``steps`` steps of ``part`` ("both", "critic" or "generator") of every method."""
        for label, model in self.models.items():
            try:
                model.partial_fit(steps=steps, part=model.critic_part if part == "critic" else part)
            except InputError as error:
                raise type(error)(f"{label}: {error}" if len(self.models) > 1 else str(error)) from None

    def _frame_steps(self, kind: str, per_click: int) -> int:
        """Steps of the next chunk of ``kind``: a Step click's or, playing, as many as fill a
        frame of ``FRAME_SECONDS`` with the capture, but at least enough for training to take
        ``TRAINING_SHARE`` of the frame (at the latest chunk's speed and capture time)."""
        if not self.running:
            return per_click
        step, capture = self._seconds_per_step[kind], self._capture_seconds
        if step <= 0:
            return AUTO_STEPS[0]
        fill = (FRAME_SECONDS - capture) / step
        share = TRAINING_SHARE / (1 - TRAINING_SHARE) * capture / step
        return int(min(max(round(max(fill, share)), AUTO_STEPS[0]), AUTO_STEPS[1]))

    def _timed(self, kind: str, steps: int, train: Callable[[], Any]) -> None:
        """Run ``train`` (``steps`` steps), counting them and keeping its speed."""
        start = time.perf_counter()
        train()
        self._seconds_per_step[kind] = (time.perf_counter() - start) / steps
        self._serial += steps

    @property
    def device(self) -> str:
        """Where TensorFlow trains the networks, e.g. "CPU"."""
        from dde_core.device import device_name

        return device_name()

    def set_steps_per_frame(self, steps: int) -> None:
        """Change the steps per frame (0: auto) without a new run; playing, from the next frame."""
        checked = replace(self.settings, steps_per_frame=steps).checked()
        with self.lock:
            self.settings = checked
            self.steps_per_frame = checked.steps_per_frame or 1

    def live_figure(self, frame: GenerationFrame) -> go.Figure:
        return self.panel_figure(frame, as_image=True)

    # -- building ------------------------------------------------------------------------
    def start(
        self,
        settings: GenerateSettings,
        points: np.ndarray | None = None,
        metadata: dict | None = None,
        data_model: Any = None,
    ) -> GenerationFrame:
        """New untrained generator(s) for ``settings`` on ``points`` (n, 2) (None: the toy
        ``settings.dataset``), and the first frame. ``data_model``: an already trained data
        DDE at the same σ on the same points (else one is trained live first). Raises
        InputError on bad input, keeping everything as it was."""
        settings = settings.checked()
        if points is None:
            points = datasets.sample(settings.dataset, settings.n_samples, settings.data_seed)
        points = check_points(points, "the data", dim=2, min_points=2, dtype=np.float32)
        self.pause()
        built = self._build(settings, points, data_model)  # may raise: nothing changed yet
        with self.lock:
            self.running = False
            self.settings, self.points, self.metadata = settings, points, dict(metadata or {})
            self.models, self.data_dde, self.grid, self.reference, self.zmax = built
            self.curves = {label: MetricCurves() for label in self.models}
            self._serial, self._measured_at, self._part = 0, -1, "both"
            self.last_error = None
            self._measure()
            self.frames = FrameBuffer(self.frames.capacity)
            self.frames.add(self._capture())
            return self.latest_frame

    def _build(self, settings: GenerateSettings, points: np.ndarray, data_model: Any) -> tuple:
        """The models (prepared, untrained), the data DDE, the grid, the reference, the colour top."""
        toy = settings.dataset in datasets.names()
        grid = Grid(TOY_BOX, TOY_BOX, GRID_CELLS) if toy else Grid.around(points, GRID_CELLS, pad=3 * settings.sigma)
        modes = datasets.mode_centres(settings.dataset) if toy else None
        if toy:
            fresh = datasets.sample(settings.dataset, FRESH_POINTS, settings.data_seed + 1)
        else:
            fresh = points[np.random.default_rng(0).permutation(len(points))[:FRESH_POINTS]]
        reference = GenerationReference(
            fresh=fresh,
            train=points,
            sigma=settings.sigma,
            grid=grid,
            centres=None if modes is None else modes[0],
            component_std=None if modes is None else modes[1],
        )
        models, data_dde = {}, None
        for label in settings.labels:
            model = _make_model(label, settings)
            if label == DDE_LABEL:
                data_dde = data_model
                if data_dde is None:
                    data_dde = model.new_data_model().partial_fit(points, steps=1)
                model.data_model = data_dde
            models[label] = model.prepare(points)
        return models, data_dde, grid, reference, float(reference.data_density().max())

    def reset(self) -> GenerationFrame:
        """New untrained generator(s) with the same settings and data (a trained data DDE is kept)."""
        if self.settings is None:
            raise InputError("There is nothing to reset yet.")
        kept = self.data_dde if self.data_dde is not None and self.data_ready else None
        return self.start(self.settings, self.points, self.metadata, data_model=kept)

    # -- stepping one part (paused) ---------------------------------------------------------
    def step_part(self, part: str, steps: int | None = None) -> None:
        """Train one part alone for ``steps`` steps (default: a frame's), with the others held
        fixed: "critic" (the sample DDE, or the discriminator) or "generator"."""
        if part not in ("critic", "generator"):
            raise InputError(f"part must be 'critic' or 'generator', got {part!r}.")
        if not self.has_model:
            raise InputError("There is no generator yet.")
        if not self.data_ready:
            raise InputError(
                f"The data DDE is still learning the data ({self.data_steps_done:,} of "
                f"{self.settings.data_steps:,} steps): press Play or Step until it is done, then step each part."
            )
        self.pause()
        self._part = part
        try:
            self.tick(steps or self.settings.steps_per_frame or CLICK_STEPS)
        finally:
            self._part = "both"

    # -- frames and measures -----------------------------------------------------------------
    def _measure(self) -> None:
        """Measure every method's samples against the data now (under the lock)."""
        for label, model in self.models.items():
            samples = model.sample(METRIC_SAMPLES, seed=FRAME_SEED + 1)
            self.curves[label].add(model.n_steps_, self.reference.measure(samples, seed=0))
        self._measured_at = self.step

    def _critic(self, label: str, model: Any) -> tuple[np.ndarray, str, str]:
        """The critic panel's values, kind and title."""
        if label == GAN_LABEL:
            return model.critic_map(self.grid), "discriminator", "discriminator D(x)"
        if not self.data_ready:  # the data DDE learning the data: what the generator will be pushed to
            log_f = self.grid.reshape(self.data_dde.log_density(self.grid.points))
            done, total = self.data_steps_done, self.settings.data_steps
            return np.exp(log_f - log_z_grid(log_f, self.grid)), "sample_dde", f"data DDE f_data, {done:,}/{total:,}"
        return model.critic_map(self.grid), "sample_dde", "sample DDE density q_σ"

    def _capture(self) -> GenerationFrame:
        """The frame of the models as they are now (its phase names the part being trained)."""
        start = time.perf_counter()
        methods = {}
        for label, model in self.models.items():
            samples = model.sample(FRAME_SAMPLES, seed=FRAME_SEED).astype(np.float32)
            waiting = label == DDE_LABEL and not self.data_ready
            push = None if waiting else model.push(samples).astype(np.float32)
            critic, kind, title = self._critic(label, model)
            metrics = self.curves[label].last() if self.curves.get(label) else {}
            methods[label] = MethodFrame(samples, push, critic.astype(np.float16), kind, title, metrics)
        self._capture_seconds = time.perf_counter() - start
        return GenerationFrame(self._serial, self.step, self._phase(self._part), methods)

    def _phase(self, part: str) -> str:
        if not self.data_ready:
            return (
                f"training the data DDE first: step {self.data_steps_done:,} of {self.settings.data_steps:,} "
                "(the generator waits)"
            )
        alone = {"critic": ", last steps: the critic alone", "generator": ", last steps: the generator alone"}
        return f"generator step {self.step:,}" + alone.get(part, "")

    def panel_figure(self, frame: GenerationFrame, as_image: bool = False) -> go.Figure:
        """The samples and critic panels of ``frame`` (``as_image``: cheap to redraw, for playing)."""
        return generation_panels_figure(
            frame, self.points, self.grid, self.zmax, f"Generate: {frame.phase}", as_image=as_image
        )

    def curves_snapshot(self) -> dict[str, MetricCurves]:
        """Copies of the measures so far, read under the lock (the trainer appends to them)."""
        with self.lock:
            return {
                label: MetricCurves(list(c.steps), {k: list(v) for k, v in c.values.items()})
                for label, c in self.curves.items()
            }

    # -- downloads -------------------------------------------------------------------------
    def model_bytes(self, label: str) -> bytes:
        """Method ``label``'s model as the bytes of an ``.npz`` file (``DDEGenerator.load``/``GAN.load``)."""
        if label not in self.models:
            raise InputError(f"There is no {label} in this run.")
        with tempfile.TemporaryDirectory() as folder, self.lock:
            return self.models[label].save(Path(folder) / "model.npz").read_bytes()

    def samples_csv(self, n: int = SAMPLES_DOWNLOADED) -> str:
        """``n`` generated points of every method as CSV text: method, x1, x2."""
        with self.lock:
            samples = {label: model.sample(n, seed=FRAME_SEED + 2) for label, model in self.models.items()}
        text = io.StringIO()
        text.write("method,x1,x2\n")
        for label, points in samples.items():
            for x, y in points:
                text.write(f"{label},{x:.6g},{y:.6g}\n")
        return text.getvalue()

    def metrics(self) -> dict:
        """Settings, data, and per method its measures over steps and its training record."""
        if not self.models:
            return {}
        curves = self.curves_snapshot()
        with self.lock:
            methods = {
                label: {
                    "generator_steps": model.n_steps_,
                    "critic_steps": model.n_critic_steps_,
                    "latest": curves[label].last(),
                    "curves": curves[label].to_dict(),
                    "history": model.history_.to_dict(),
                    "params": {k: v for k, v in model.get_params().items() if k != "data_model"},
                }
                for label, model in self.models.items()
            }
            return {
                "settings": asdict(self.settings),
                "data_points": len(self.points),
                "data_dde_steps": self.data_steps_done,
                **self.metadata,
                "methods": methods,
            }

    def metrics_json(self) -> str:
        return json.dumps(_finite(self.metrics()), indent=2)

    def replay_gif(self) -> bytes:
        """The captured frames as an animated GIF (dde_viz.generate.gif_bytes)."""
        if not self.models:
            raise InputError("There is no run yet.")
        return gif_bytes(self.frames.frames, self.points, self.grid, self.zmax)


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON has none) and tuples as lists."""
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
