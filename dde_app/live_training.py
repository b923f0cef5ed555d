"""Training that runs live in a session's own thread and is watched frame by frame.

The Playground's model and the Generate page's generators train the same way, so the
loop lives here once (state, training loop and view kept apart, as in TensorFlow
Playground): ``play`` starts this session's trainer thread, which calls ``tick``
(one chunk of ``steps_per_frame`` steps, then a captured frame) until ``pause``.
The thread only decides *what* to run: each chunk runs in a turn of the server's
scheduler (dde_app/scheduler.py), which takes the sessions in turn on a bounded
pool and queues sessions beyond the number that may play at once (``place``);
the page only reads ``latest_frame`` a few times a second and draws it, so
drawing never waits for training and training never waits for the browser.

The trainer pauses by itself, and records why in ``pause_reason`` for the page to
say when it is next drawn, when its tab is no longer connected (``is_connected``,
given by the app: a closed tab, a dropped connection, an ended session) or when
neither the page nor its live panel has asked for anything (``heartbeat``) for
``idle_seconds``. So a closed tab frees its CPU at once, and its memory with the
session; a client polling a closed tab's frames cannot keep its trainer going.

A subclass says what one chunk is (``_advance``), whether there is anything to
train (``has_model``, ``step``) and how a frame is drawn live (``live_figure``,
for the frames route of dde_app/live_view.py). If it can also train without
capturing a frame (``_train``, with ``_capture``), a chunk is spread over several
turns when many sessions play, so that each of them trains at least every
``ROUND_SECONDS`` (dde_app/scheduler.py). Every method that trains, replaces
or reads the model holds the session's lock, so two threads (the trainer, a
click's rerun) never touch one model at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go

from dde_app.scheduler import Cancelled, Scheduler, scheduler
from dde_core.errors import InputError
from dde_core.limits import TRAINER_IDLE_SECONDS
from dde_core.validation import check_positive_int
from dde_viz.animation import FrameBuffer

__all__ = ["LiveTraining", "streamlit_connection"]


def streamlit_connection() -> Callable[[], bool] | None:
    """A function telling whether the calling Streamlit session is still connected (None
    outside a real server, e.g. in AppTest): a trainer pauses when its tab is gone."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    if context is None or not Runtime.exists():
        return None
    runtime, session_id = Runtime.instance(), context.session_id
    return lambda: runtime.is_active_session(session_id)


class LiveTraining:
    """One person's live training: the trainer thread, its pauses, its captured frames."""

    def __init__(
        self,
        frame_capacity: int = 120,
        idle_seconds: float = TRAINER_IDLE_SECONDS,
        is_connected: Callable[[], bool] | None = None,
        schedule: Scheduler | None = None,
    ):
        self.frames = FrameBuffer(frame_capacity)
        self.running = False
        self.lock = threading.RLock()
        self.idle_seconds = idle_seconds
        self.is_connected = is_connected or (lambda: True)
        self.schedule = schedule or scheduler()
        self.last_error: str | None = None
        self.pause_reason: str | None = None
        self._last_seen = time.monotonic()
        self._trainer: threading.Thread | None = None
        self._lost_connection = False  # paused because its tab went away: play on return
        self.steps_per_frame = 30  # until Play says otherwise
        self._speed_seconds_per_step = 0.0  # of the latest turn (0: not known yet)
        self.public_id = secrets.token_hex(4)  # names it in the server's load report, nothing more

    # -- what a subclass says -------------------------------------------------------------
    @property
    def has_model(self) -> bool:
        """True once there is something to train."""
        raise NotImplementedError

    @property
    def step(self) -> int:
        """Training steps taken so far (0 without a model)."""
        raise NotImplementedError

    def _advance(self, steps: int) -> Any:
        """Train ``steps`` steps (called in a turn, under the lock); returns the new frame
        (anything with a ``step``). Raises ValueError when training cannot go on."""
        raise NotImplementedError

    def _train(self, steps: int) -> bool:
        """Train ``steps`` steps without capturing a frame (called in a turn, under the lock)
        and return True; then ``_capture`` must be given too. When a frame's steps cannot be
        split (a subclass that leaves both out, or a kind of frame that is short anyway), this
        trains nothing and returns False, and the frame's steps take one turn."""
        return False

    def _capture(self) -> Any:
        """The frame of the model as it is now (under the lock): for a Pause that comes
        between the turns of a split frame, so the last frame shows the model kept."""
        raise NotImplementedError

    def live_figure(self, frame: Any) -> go.Figure:
        """``frame`` as the live panel draws it while playing (cheap to send and redraw)."""
        raise NotImplementedError

    # -- the trainer thread ---------------------------------------------------------------
    def play(self, steps_per_frame: int) -> None:
        """Train in the background, ``steps_per_frame`` steps per captured frame."""
        if not self.has_model:
            raise InputError("There is no model to train yet.")
        self.steps_per_frame = int(steps_per_frame)
        self.heartbeat()
        if self.running and self._trainer is not None and self._trainer.is_alive():
            return  # already playing (a click delivered twice)
        self.pause()  # a trainer that is still ending its last chunk ends first
        self.last_error = None
        self.pause_reason = None
        self._lost_connection = False
        self.running = True
        self._trainer = threading.Thread(target=self._run_trainer, name="dde-trainer", daemon=True)
        self._trainer.start()

    def pause(self) -> None:
        """Stop training after the current turn; returns once the trainer has stopped. How
        long that took is noted in the scheduler (the load report shows it)."""
        asked, was_playing = time.monotonic(), self.running
        self.running = False
        trainer = self._trainer
        if trainer is not None and trainer is not threading.current_thread() and trainer.is_alive():
            trainer.join(timeout=30)
            if was_playing:
                self.schedule.note_pause(self.public_id, time.monotonic() - asked)

    def reconnect(self, is_connected: Callable[[], bool] | None = None) -> None:
        """The person is back (a reload, or a dropped connection restored): follow their
        new tab (``is_connected``), and play again if training paused when the tab went away."""
        if is_connected is not None:
            self.is_connected = is_connected
        if self._lost_connection and self.is_connected() and self.has_model:
            self._lost_connection = False
            self.play(self.steps_per_frame)

    def heartbeat(self) -> None:
        """Called by the page whenever it draws: the person is still watching."""
        self._last_seen = time.monotonic()

    def place(self) -> int | None:
        """0 while training; k ≥ 1 while waiting for a playing slot with k − 1 sessions
        ahead; None when not playing."""
        return self.schedule.place(self) if self.running else None

    def _run_trainer(self) -> None:
        self.schedule.join_players(self)
        try:
            self.schedule.wait_to_play(self, is_cancelled=self._should_stop)
            while not self._should_stop():
                self.tick(self.steps_per_frame, is_cancelled=self._should_stop)
        except Cancelled:
            pass
        except Exception as error:  # noqa: BLE001  any failure ends training, and is shown
            self.last_error = (
                str(error)
                if isinstance(error, ValueError)
                else (f"an internal error ({type(error).__name__}: {error}); please report it")
            )
        finally:
            self.running = False
            self.schedule.leave_players(self)

    def _should_stop(self) -> bool:
        """True once paused, or once there is a reason to pause (then kept in ``pause_reason``)."""
        if not self.running:
            return True
        reason = self._reason_to_pause()
        if reason:
            self.pause_reason = reason
            self.running = False  # nobody is watching: stop using the CPU
        return reason is not None

    def _reason_to_pause(self) -> str | None:
        """Why the trainer should pause now, in words for the person (None: keep training)."""
        if not self.is_connected():
            self._lost_connection = True
            return (
                f"Training paused at step {self.step:,} because this tab lost its connection to the "
                "server. Press Play to continue."
            )
        idle = time.monotonic() - self._last_seen
        if idle > self.idle_seconds:
            return (
                f"Training paused at step {self.step:,}: nothing on this page was seen for "
                f"{idle:.0f} s, so the CPU was freed for others. Press Play to continue."
            )
        return None

    def take_pause_reason(self) -> str | None:
        """Why the trainer paused by itself, once (the page shows it, then it is gone)."""
        reason, self.pause_reason = self.pause_reason, None
        return reason

    @property
    def latest_frame(self):
        """The newest captured frame, without waiting."""
        return self.frames.frames[-1]

    def tick(self, steps: int, is_cancelled: Callable[[], bool] = lambda: False) -> None:
        """Train ``steps`` steps and capture the frame, in turns of the scheduler: in one turn,
        or, when the steps would take longer than a turn should (``Scheduler.turn_seconds``:
        many sessions playing), in several, the frame captured in the last. Stops running if
        training fails. Raises ``Cancelled`` if ``is_cancelled()`` while waiting for a turn or
        between two turns."""
        left = check_positive_int(steps, "steps per frame")
        while left:
            try:
                if left < steps and is_cancelled():  # between the turns of a frame
                    raise Cancelled
                with self.schedule.turn(is_cancelled), self.lock:
                    left = self._take_turn(left, whole=left == steps)
            except Cancelled:
                if left < steps:  # paused between the turns of a frame: show the model kept
                    with self.lock:
                        if self.has_model:
                            self.frames.add(self._capture())
                raise

    def _take_turn(self, left: int, whole: bool) -> int:
        """One turn of ``tick`` (under the lock): train part of the ``left`` steps, or all of
        them and capture the frame; returns the steps still left. ``whole``: no steps of
        this frame were taken before."""
        if not self.has_model:
            raise InputError("There is no model yet.")
        started = time.perf_counter()
        part = self._steps_this_turn(left)
        try:
            if part < left and self._train(part):
                self._speed_seconds_per_step = (time.perf_counter() - started) / part
                return left - part
            self.frames.add(self._advance(left))
        except ValueError:
            self.running = False
            raise
        if whole:  # the speed with the capture: a little slower than training alone
            self._speed_seconds_per_step = (time.perf_counter() - started) / left
        return 0

    def _steps_this_turn(self, left: int) -> int:
        """Of ``left`` steps, as many as fill a turn (at the speed of the latest turn; all of
        them before any speed is known)."""
        if self._speed_seconds_per_step <= 0:
            return left
        return max(1, min(left, int(self.schedule.turn_seconds() / self._speed_seconds_per_step)))
