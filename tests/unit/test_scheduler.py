"""The server's scheduler: bounded turns, first come first served, a queue to play."""

from __future__ import annotations

import os
import threading
import time

import pytest

from dde_app.generate_session import GenerateSession, GenerateSettings
from dde_app.live_training import LiveTraining
from dde_app.scheduler import (
    PLAYERS_PER_WORKER,
    ROUND_SECONDS,
    Cancelled,
    Scheduler,
    default_max_players,
    default_workers,
)
from dde_app.session import PlaygroundSession
from dde_core.config import Config
from dde_viz.animation import frame_from_view
from tests.waiting import wait_until


def _take_turns(schedule: Scheduler, owners: int, seconds: float, hold: float = 0.005):
    """``owners`` threads taking turns for ``seconds``; returns (turns per owner, most at once)."""
    counts = [0] * owners
    at_once = [0, 0]  # now, most
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work(index: int) -> None:
        while time.monotonic() < stop:
            with schedule.turn():
                with lock:
                    at_once[0] += 1
                    at_once[1] = max(at_once[1], at_once[0])
                time.sleep(hold)
                counts[index] += 1
                with lock:
                    at_once[0] -= 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(owners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts, at_once[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_turns_never_exceed_the_pool_and_are_shared_evenly(workers):
    counts, most = _take_turns(Scheduler(workers, max_players=8), owners=6, seconds=1.0)
    assert most == workers
    assert min(counts) >= 0.8 * max(counts), counts  # first come, first served: round-robin
    assert min(counts) > 5


def test_a_cancelled_wait_ends_at_once():
    schedule = Scheduler(1, max_players=1)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with schedule.turn():
            holding.set()
            release.wait(5)

    threading.Thread(target=hold).start()
    holding.wait(5)
    cancelled = threading.Event()
    threading.Timer(0.2, cancelled.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        with schedule.turn(is_cancelled=cancelled.is_set):
            pass
    assert time.monotonic() - started < 0.5
    release.set()
    assert schedule.load().waiting_for_turn == 0  # the cancelled ticket left the line


def test_sessions_beyond_the_limit_queue_in_order():
    schedule = Scheduler(1, max_players=2)
    a, b, c, d = "a", "b", "c", "d"
    for owner in (a, b, c, d):
        schedule.join_players(owner)
    assert [schedule.place(o) for o in (a, b, c, d)] == [0, 0, 1, 2]
    assert schedule.place("someone else") is None
    started = threading.Event()
    threading.Thread(target=lambda: (schedule.wait_to_play(c), started.set())).start()
    time.sleep(0.1)
    assert not started.is_set()
    schedule.leave_players(a)
    assert started.wait(1)
    assert [schedule.place(o) for o in (b, c, d)] == [0, 0, 1]
    assert schedule.load().queued == 1


def test_sizes_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DDE_TRAINING_WORKERS", "3")
    monkeypatch.setenv("DDE_MAX_PLAYING_SESSIONS", "5")
    assert (default_workers(), default_max_players()) == (3, 5)
    monkeypatch.delenv("DDE_MAX_PLAYING_SESSIONS")
    assert default_max_players() == 3 * PLAYERS_PER_WORKER  # by default, as many per training worker
    monkeypatch.setenv("DDE_TRAINING_WORKERS", "zero")
    with pytest.raises(ValueError, match="DDE_TRAINING_WORKERS"):
        default_workers()


def test_by_default_one_core_this_process_may_use_is_left_to_the_web_server(monkeypatch):
    monkeypatch.delenv("DDE_TRAINING_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert default_workers() == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5}, raising=False)
    assert default_workers() == 1  # one core: it trains and serves


def _small_config() -> Config:
    return Config(n_samples=600, hidden=(8,), batch_size=128)


def test_a_queued_session_shows_its_place_and_starts_when_a_slot_frees():
    schedule = Scheduler(1, max_players=1)
    first, second = PlaygroundSession(schedule=schedule), PlaygroundSession(schedule=schedule)
    for session in (first, second):
        session.start(_small_config())
    first.play(5)
    assert wait_until(lambda: first.experiment.step > 1)
    second.play(5)
    assert wait_until(lambda: second.place() == 1)
    time.sleep(0.3)
    assert second.experiment.step == 1  # waits its turn, does not slow the first
    started = time.monotonic()
    first.pause()
    assert time.monotonic() - started < 1.0  # Pause takes effect within a second
    assert first.place() is None
    assert wait_until(lambda: second.experiment.step > 1)
    assert second.place() == 0
    second.pause()
    assert schedule.load() == schedule.load().__class__(1, 0, 0, 0, 0)


def test_pause_while_queued_leaves_the_queue():
    schedule = Scheduler(1, max_players=1)
    first, second = PlaygroundSession(schedule=schedule), PlaygroundSession(schedule=schedule)
    for session in (first, second):
        session.start(_small_config())
    first.play(5)
    second.play(5)
    assert wait_until(lambda: second.place() == 1)
    second.pause()
    assert schedule.load().queued == 0 and second.experiment.step == 1
    first.pause()


def test_a_long_run_passes_its_turn_on_between_chunks():
    schedule = Scheduler(1, max_players=2)
    order: list[str] = []
    trainer_waiting = threading.Event()

    def trainer() -> None:
        trainer_waiting.set()
        with schedule.turn():
            order.append("trainer")

    with schedule.taking_turns() as turns:
        order.append("run chunk 1")
        thread = threading.Thread(target=trainer)
        thread.start()
        trainer_waiting.wait(5)
        wait_until(lambda: schedule.load().waiting_for_turn == 1, 5)
        turns.pass_on()  # the trainer, waiting, goes first
        order.append("run chunk 2")
    thread.join()
    assert order == ["run chunk 1", "trainer", "run chunk 2"]
    assert schedule.load().running == 0


def test_a_turn_lasts_a_round_shared_by_the_sessions_playing():
    schedule = Scheduler(2, max_players=10)
    assert schedule.turn_seconds() == ROUND_SECONDS * 2  # nobody plays
    for owner in range(4):
        schedule.join_players(owner)
    assert schedule.turn_seconds() == pytest.approx(ROUND_SECONDS * 2 / 4)
    for owner in range(4, 30):
        schedule.join_players(owner)
    assert schedule.turn_seconds() == pytest.approx(ROUND_SECONDS * 2 / 10)  # the queued do not count


class _CountedTurns(Scheduler):
    """A scheduler that counts the turns taken and can seem crowded (``turn_seconds``)."""

    def __init__(self, seconds: float):
        super().__init__(1, max_players=4)
        self.seconds, self.turns = seconds, 0

    def turn_seconds(self) -> float:
        return self.seconds

    def turn(self, is_cancelled=lambda: False):
        self.turns += 1
        return super().turn(is_cancelled)


def _trained_once(schedule: Scheduler) -> PlaygroundSession:
    session = PlaygroundSession(schedule=schedule)
    session.start(_small_config())
    session.tick(10)  # its speed is known from here on
    return session


def test_a_frame_takes_one_turn_when_it_fits():
    schedule = _CountedTurns(seconds=60.0)
    session = _trained_once(schedule)
    schedule.turns = 0
    session.tick(30)
    assert schedule.turns == 1
    assert session.latest_frame.step == session.experiment.step == 41


def test_a_frame_spreads_over_turns_when_many_play():
    schedule = _CountedTurns(seconds=1e-9)  # a turn fits one step: 30 turns for 30 steps
    session = _trained_once(schedule)
    frames, records = len(session.frames.frames), len(session.experiment.record.steps)
    schedule.turns = 0
    session.tick(30)
    assert schedule.turns == 30
    assert session.experiment.step == 41  # exactly the frame's steps, no more
    assert len(session.frames.frames) == frames + 1 and session.latest_frame.step == 41  # one frame, at the end
    assert session.experiment.record.steps[records:] == [41]  # measured once


def test_a_pause_between_the_turns_of_a_frame_shows_the_model_kept():
    schedule = _CountedTurns(seconds=1e-9)
    session = _trained_once(schedule)
    with pytest.raises(Cancelled):
        session.tick(30, is_cancelled=lambda: schedule.turns > 5)
    kept = session.experiment.step
    assert 11 < kept < 41  # some of the frame's steps were taken
    assert session.latest_frame.step == kept == session.experiment.record.steps[-1]


def test_a_session_that_cannot_split_its_frames_takes_one_turn():
    class Unsplit(PlaygroundSession):
        def _train(self, steps: int) -> bool:
            return LiveTraining._train(self, steps)

        def _advance(self, steps: int):
            return frame_from_view(self.experiment.advance(steps), self.experiment.step)

    schedule = _CountedTurns(seconds=1e-9)
    session = Unsplit(schedule=schedule)
    session.start(_small_config())
    session.tick(10)
    schedule.turns = 0
    session.tick(30)
    assert schedule.turns == 1 and session.experiment.step == 41


def _generate_past_its_data(schedule: Scheduler, steps_per_frame: int) -> GenerateSession:
    session = GenerateSession(schedule=schedule)
    settings = {"n_samples": 300, "width": 8, "depth": 2, "critic_width": 8, "batch_size": 32, "data_steps": 5}
    session.start(GenerateSettings(method="both", steps_per_frame=steps_per_frame, **settings))
    session.tick(1)  # the data DDE's steps, in one turn
    session.tick(2)  # the generators' speed is known from here on
    assert session.data_ready and session.step > 0
    return session


def test_a_generate_frame_of_fixed_steps_spreads_over_turns_when_many_play():
    schedule = _CountedTurns(seconds=1e-9)
    session = _generate_past_its_data(schedule, steps_per_frame=6)
    frames = len(session.frames.frames)
    schedule.turns = 0
    before = session.step
    session.tick(6)
    assert schedule.turns == 6 and session.step == before + 6  # each method: exactly the frame's steps
    assert all(model.n_steps_ == before + 6 for model in session.models.values())
    assert len(session.frames.frames) == frames + 1 and session.latest_frame.generator_step == before + 6


def test_a_generate_frame_of_auto_steps_takes_one_turn():
    schedule = _CountedTurns(seconds=1e-9)
    session = _generate_past_its_data(schedule, steps_per_frame=0)  # auto: frames fit FRAME_SECONDS
    schedule.turns = 0
    session.tick(6)
    assert schedule.turns == 1
