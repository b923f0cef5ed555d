"""The controls of a page that trains live: Play/Pause, Step, Reset, and what the page says
while training waits or stops (a helper module, not a page).

The Playground and Generate pages train a ``LiveTraining`` (dde_app/live_training.py)
the same way, so they share these controls: a click's callback runs before the page is
drawn again, and Play is idempotent (while the live panels rerun on a timer, one click
can be delivered twice, and a toggle would undo itself).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dde_app.live_training import LiveTraining
from dde_core.errors import InputError

__all__ = ["playback_buttons", "queue_text", "stats_seconds", "stopped_by_itself"]

STATS_SECONDS = 1.0  # a playing page's numbers and curves refresh this often, at the most
PLAYERS_PER_STATS_SECOND = 4  # more sessions playing than this: each refreshes less often


def stats_seconds(session: LiveTraining) -> float:
    """Seconds between refreshes of a playing page's numbers and curves: 1, or more when
    many sessions play (each refresh is a script run on the server, taken from the
    training of all: with 16 playing, every 4 s). The live panel's frames are not slowed."""
    return max(STATS_SECONDS, session.schedule.load().playing / PLAYERS_PER_STATS_SECOND)


def playback_buttons(
    session: LiveTraining,
    columns: list,
    keys: tuple[str, str, str],
    steps_per_frame: Callable[[], int],
    notice_key: str,
    reset_help: str,
) -> bool:
    """Play/Pause, Step and Reset in the first three of ``columns`` (buttons keyed ``keys``).

    ``steps_per_frame()``: training steps per frame (read when clicked). A failing Step
    puts its message in ``st.session_state[notice_key]`` for the page to show.
    Returns whether the session was playing as the buttons were drawn (read once: the
    trainer may stop by itself while the page draws).
    """

    def set_running(play: bool) -> None:
        if play:
            session.play(steps_per_frame())
        else:
            session.pause()

    def step_once() -> None:
        session.pause()
        try:
            session.tick(steps_per_frame())
        except InputError as error:
            st.session_state[notice_key] = str(error)

    playing = session.running
    columns[0].button(
        "Pause" if playing else "Play",
        on_click=set_running,
        args=(not playing,),
        icon=":material/pause:" if playing else ":material/play_arrow:",
        type="primary",
        key=keys[0],
        width="stretch",
    )
    columns[1].button(
        "Step",
        on_click=step_once,
        key=keys[1],
        width="stretch",
        icon=":material/skip_next:",
        help="Train one frame's worth of steps.",
    )
    columns[2].button(
        "Reset", on_click=session.reset, key=keys[2], width="stretch", icon=":material/restart_alt:", help=reset_help
    )
    return playing


def queue_text(place: int, slots: int) -> str:
    """What a session waiting to play is told (``place``: see ``LiveTraining.place``)."""
    ahead = "you are next" if place == 1 else f"{place - 1} ahead of you"
    return (
        f"Waiting for a training slot ({ahead}): all {slots} slot{'s' if slots != 1 else ''} of this "
        "server are in use. "
        "Training starts by itself when one pauses; Pause leaves the queue."
    )


def stopped_by_itself(session: LiveTraining, was_playing: bool, notice_key: str) -> None:
    """In a page's live fragment: heartbeat; if the trainer stopped by itself since the page
    was drawn, keep its error (if any) for the page and rerun the whole page to show it
    paused; while it waits for a playing slot, say so."""
    session.heartbeat()
    if was_playing and not session.running:
        if session.last_error:
            st.session_state[notice_key] = f"Training stopped: {session.last_error}"
        st.rerun()
    if place := session.place():
        st.info(queue_text(place, session.schedule.max_players), icon=":material/hourglass_top:")
