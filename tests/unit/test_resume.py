"""A reload returns to the same playground: the server-side store of playgrounds by key."""

from __future__ import annotations

from dde_app.resume import ResumeStore
from dde_app.scheduler import Scheduler
from dde_app.session import PlaygroundSession
from dde_core.config import Config
from tests.waiting import wait_until


class Tab:
    """A browser tab's connection, switched by the test."""

    def __init__(self) -> None:
        self.open = True

    def __call__(self) -> bool:
        return self.open


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _playground(tab: Tab) -> PlaygroundSession:
    session = PlaygroundSession(is_connected=tab, schedule=Scheduler(1, 4))
    session.start(Config(n_samples=600, hidden=(8,), batch_size=128))
    return session


def test_a_reloaded_tab_gets_its_playground_back_playing():
    store, old_tab, new_tab = ResumeStore(grace_seconds=600), Tab(), Tab()
    session = _playground(old_tab)
    key = store.keep(session)
    session.play(5)
    assert wait_until(lambda: session.experiment.step > 1)
    old_tab.open = False  # the reload closes the old tab's connection...
    assert wait_until(lambda: not session.running)  # ...and its trainer pauses
    step = session.experiment.step
    assert store.claim(key, new_tab) is session  # the new tab offers the key
    assert session.is_connected is new_tab
    assert session.running and session.take_pause_reason() is None
    assert wait_until(lambda: session.experiment.step > step)  # playing again, same model
    session.pause()


def test_a_second_tab_with_a_copied_key_gets_its_own_playground():
    store, first_tab = ResumeStore(), Tab()
    session = _playground(first_tab)
    key = store.keep(session)
    assert store.claim(key, Tab()) is None  # the first tab is still open
    assert session.is_connected is first_tab
    assert store.claim("not a key", Tab()) is None


def _kept_in_a_store_with_a_clock():
    """A playground kept in a store with a 600-s grace, on a clock the test moves:
    (store, clock, its tab, the playground, its key)."""
    clock, tab = Clock(), Tab()
    store = ResumeStore(grace_seconds=600, clock=clock)
    session = _playground(tab)
    return store, clock, tab, session, store.keep(session)


def test_a_playground_is_dropped_and_its_model_freed_after_its_grace_period():
    store, clock, tab, session, key = _kept_in_a_store_with_a_clock()
    clock.now = 10_000.0
    assert store.sweep() == 1  # open tabs are kept however long
    tab.open = False
    assert store.sweep() == 1  # gone since now
    clock.now += 599
    assert store.sweep() == 1
    assert session.has_model
    clock.now += 2
    assert store.sweep() == 0
    assert store.claim(key, Tab()) is None
    # Streamlit may keep the closed session's state a while longer: the model must not wait for it.
    assert not session.has_model and not session.running and len(session.frames) == 0


def test_a_playground_past_its_grace_is_freed_by_the_next_keep_or_claim_too():
    store, clock, tab, session, key = _kept_in_a_store_with_a_clock()
    tab.open = False
    assert store.claim("another key", Tab()) is None  # seen gone from now
    clock.now += 601
    assert store.claim(key, Tab()) is None  # past its grace: dropped, not handed back
    assert not session.has_model


def test_a_tab_that_returns_within_the_grace_period_is_kept():
    clock, tab = Clock(), Tab()
    store = ResumeStore(grace_seconds=600, clock=clock)
    store.keep(_playground(tab))
    tab.open = False
    store.sweep()
    clock.now += 500
    tab.open = True  # a dropped connection came back
    store.sweep()
    clock.now += 500
    tab.open = False
    assert store.sweep() == 1  # its grace started again


def test_a_paused_playground_stays_paused_when_claimed():
    store, old_tab = ResumeStore(), Tab()
    session = _playground(old_tab)
    key = store.keep(session)
    old_tab.open = False
    assert store.claim(key, Tab()) is session
    assert not session.running


def test_forget_drops_a_key():
    store = ResumeStore()
    tab = Tab()
    key = store.keep(_playground(tab))
    tab.open = False
    store.forget(key)
    assert store.claim(key, Tab()) is None
