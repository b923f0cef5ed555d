"""A reload or a dropped connection returns to the same model (a helper module, not a page).

A reload starts a new Streamlit session, with empty session state. So that the person
finds their model again, every playground is kept in a server-wide ``ResumeStore``
under a random private key, and the tab keeps that key in its ``sessionStorage``
(assets/resume_key.js): the storage of one tab, kept across its reloads, never sent
with a request and never part of the URL, so a shared link cannot carry it.

After a reload the tab offers its old key; ``claim`` hands the old playground to the
new session if the key is known, its grace period has not run out and its own tab is
gone (a second tab opened as a copy of the first carries the same key, but the first
tab is still connected, so the copy starts its own playground). A playground that
paused because its tab disconnected resumes playing when it is claimed.

A playground whose tab has been gone for ``grace_seconds`` (default 10 minutes,
``DDE_RESUME_GRACE_SECONDS``) is dropped from the store, which frees its model, and the
freed memory is given back to the system (dde_app/memory.py).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from dde_app.session import PlaygroundSession

__all__ = ["ResumeStore", "resume_store", "DEFAULT_GRACE_SECONDS"]

DEFAULT_GRACE_SECONDS = 600.0


@dataclass
class _Kept:
    session: PlaygroundSession
    gone_since: float | None = None  # when its tab was first seen disconnected


class ResumeStore:
    """Playgrounds by private key, kept while their tab is open and ``grace_seconds`` after."""

    def __init__(self, grace_seconds: float = DEFAULT_GRACE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.grace_seconds = grace_seconds
        self._clock = clock
        self._kept: dict[str, _Kept] = {}
        self._lock = threading.Lock()

    def keep(self, session: PlaygroundSession) -> str:
        """Keep ``session``; returns its new private key (for the tab's sessionStorage)."""
        key = secrets.token_urlsafe(16)
        with self._lock:
            expired = self._take_expired()
            self._kept[key] = _Kept(session)
        _free(expired)
        return key

    def claim(self, key: str, is_connected: Callable[[], bool]) -> PlaygroundSession | None:
        """The playground kept under ``key`` if its tab is gone, now tied to the claiming tab
        (``is_connected``) and playing again if it paused when its tab went away; else None."""
        with self._lock:
            expired = self._take_expired()
            kept = self._kept.get(key)
            if kept is not None and not kept.session.is_connected():
                kept.gone_since = None
            else:
                kept = None
        _free(expired)
        if kept is None:
            return None
        session = kept.session
        session.reconnect(is_connected)
        return session

    def forget(self, key: str) -> None:
        """Drop the playground kept under ``key`` (the tab started a new one instead)."""
        with self._lock:
            self._kept.pop(key, None)

    def sweep(self) -> int:
        """Drop playgrounds whose tab has been gone for the grace period, freeing their
        models; returns how many remain."""
        with self._lock:
            expired = self._take_expired()
            remaining = len(self._kept)
        _free(expired)
        return remaining

    def _take_expired(self) -> list[PlaygroundSession]:
        """Remove the playgrounds past their grace period and return them (under the lock;
        every public method calls this, and frees what it returns outside the lock)."""
        now, expired = self._clock(), []
        for key, kept in list(self._kept.items()):
            if kept.session.is_connected():
                kept.gone_since = None
            elif kept.gone_since is None:
                kept.gone_since = now
            elif now - kept.gone_since > self.grace_seconds:
                del self._kept[key]
                expired.append(kept.session)
        return expired


def _free(sessions: list[PlaygroundSession]) -> None:
    """Free the models of ``sessions`` (the server's memory thread gives the memory back to
    the system within ``RETURN_SECONDS``: dde_app/memory.py)."""
    for session in sessions:
        session.release()


_store: ResumeStore | None = None
_made = threading.Lock()
SWEEP_SECONDS = 30.0


def resume_store() -> ResumeStore:
    """The server's one store (grace from ``DDE_RESUME_GRACE_SECONDS``), swept every 30 s."""
    global _store
    with _made:
        if _store is None:
            grace = float(os.environ.get("DDE_RESUME_GRACE_SECONDS", DEFAULT_GRACE_SECONDS))
            _store = ResumeStore(grace)
            threading.Thread(target=_sweep_forever, args=(_store,), name="dde-resume-sweeper", daemon=True).start()
        return _store


def _sweep_forever(store: ResumeStore) -> None:
    while True:
        time.sleep(min(SWEEP_SECONDS, max(1.0, store.grace_seconds / 4)))
        store.sweep()
