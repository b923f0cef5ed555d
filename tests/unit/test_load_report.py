"""The server's load report (dde_app/load_report.py): the scheduler's state, sessions by public id."""

import json
import time

from starlette.requests import Request

from dde_app import load_report
from dde_app.scheduler import Scheduler
from dde_app.session import PlaygroundSession
from dde_core.config import Config
from tests.waiting import run_on_a_fresh_loop, wait_until


class Player:
    def __init__(self, public_id: str, step: int):
        self.public_id, self.step = public_id, step


def test_the_report_lists_playing_then_queued_sessions_in_order():
    schedule = Scheduler(workers=1, max_players=2)
    players = [Player("a", 10), Player("b", 20), Player("c", 1)]
    for player in players:
        schedule.join_players(player)
    with schedule.turn():
        report = load_report.load_report(schedule)
    assert report["workers"] == 1 and report["max_playing_sessions"] == 2 and report["turns_running"] == 1
    assert (report["playing"], report["queued"]) == (2, 1)
    assert report["sessions"] == [
        {"id": "a", "step": 10, "place": 0},
        {"id": "b", "step": 20, "place": 0},
        {"id": "c", "step": 1, "place": 1},
    ]
    schedule.leave_players(players[0])  # "a" pauses: "c" may play
    report = load_report.load_report(schedule)
    assert [(s["id"], s["place"]) for s in report["sessions"]] == [("b", 0), ("c", 0)]
    assert report["turns_running"] == 0 and report["queued"] == 0


def test_the_route_answers_json_that_is_not_cached():
    request = Request({"type": "http", "method": "GET", "path": "/_dde/load", "headers": [], "query_string": b""})
    response = run_on_a_fresh_loop(load_report._load(request))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert {"workers", "playing", "queued", "sessions"} <= set(json.loads(response.body))
    assert [route.path for route in load_report.routes()] == ["/_dde/load"]


def test_the_report_says_how_quickly_each_pause_took_effect():
    schedule = Scheduler(workers=1, max_players=2)
    session = PlaygroundSession(schedule=schedule)
    session.start(Config(n_samples=600, hidden=(8,), batch_size=128))
    assert load_report.load_report(schedule)["recent_pauses"] == []
    session.play(steps_per_frame=5)
    assert wait_until(lambda: session.step > 20, 60)
    asked = time.monotonic()
    session.pause()
    waited = time.monotonic() - asked
    session.pause()  # a second Pause, with nothing playing, is not a Pause that took time
    [pause] = load_report.load_report(schedule)["recent_pauses"]
    assert pause["id"] == session.public_id and 0 <= pause["seconds"] <= waited + 1e-4
