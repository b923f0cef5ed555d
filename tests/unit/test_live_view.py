"""The live panel's frames route (dde_app/live_view.py), called as Starlette calls it."""

import gc
import json

import pytest

from dde_app import live_view
from dde_app.session import PlaygroundSession
from dde_core.experiment import Config
from tests.live_route import get


def small_session(**changes) -> PlaygroundSession:
    session = PlaygroundSession()
    session.start(Config(**{"n_samples": 600, "hidden": (8,), "batch_size": 128, **changes}))
    return session


def answer(response) -> dict:
    return json.loads(response.body)


def test_a_playing_session_gets_its_newest_frame_then_nothing_until_the_next():
    session = small_session()
    session.tick(5)
    session.running = True  # as if its trainer thread were running
    token = live_view.token_for(session)
    assert live_view.token_for(session) == token and live_view.poll_path(session) == f"live/{token}"

    response = get(token, "after=1")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = answer(response)
    assert body["running"] is True and body["step"] == session.latest_frame.step == 6
    layout = body["figure"]["layout"]
    assert layout["title"]["text"].endswith("step 6")
    assert layout["images"][0]["source"].startswith("data:image/png;base64,")  # the density, as a picture
    assert body["figure"]["data"] == []

    assert get(token, "after=6").status_code == 204  # nothing newer yet
    session.tick(5)
    assert answer(get(token, "after=6"))["step"] == 11


def test_each_request_is_a_heartbeat_and_a_paused_session_says_so():
    session = small_session()
    token = live_view.token_for(session)
    session._last_seen = 0.0
    assert answer(get(token)) == {"running": False}
    assert session._last_seen > 0.0


def test_tokens_keep_sessions_apart():
    first, second = small_session(), small_session(seed=1)
    first.tick(3)
    first.running = second.running = True
    tokens = live_view.token_for(first), live_view.token_for(second)
    assert tokens[0] != tokens[1] and len(tokens[0]) >= 20
    assert answer(get(tokens[0]))["step"] == 4
    assert answer(get(tokens[1]))["step"] == 1


@pytest.mark.parametrize("query, status", [("after=banana", 400), ("after=3.5", 400)])
def test_bad_after_is_refused_with_a_message(query, status):
    session = small_session()
    session.running = True
    response = get(live_view.token_for(session), query)
    assert response.status_code == status and "whole number" in answer(response)["error"]


def test_a_new_model_is_served_anew_at_a_step_seen_before():
    session = small_session()
    session.tick(30)
    session.running = True
    token = live_view.token_for(session)
    trained = answer(get(token))
    session.start(Config(n_samples=600, hidden=(8,), batch_size=128, seed=1))  # same session and token
    session.tick(30)  # the same step number again
    session.running = True
    again = answer(get(token))
    assert again["step"] == trained["step"] == 31
    assert again["figure"]["layout"]["images"][0]["source"] != trained["figure"]["layout"]["images"][0]["source"]


def test_the_route_sits_under_the_apps_base_path():
    from streamlit import config

    assert [route.path for route in live_view.routes()] == ["/live/{token}"]
    before = config.get_option("server.baseUrlPath")
    try:
        config.set_option("server.baseUrlPath", "/course/dde/")
        assert [route.path for route in live_view.routes()] == ["/course/dde/live/{token}"]
    finally:
        config.set_option("server.baseUrlPath", before)


def test_unknown_or_closed_sessions_get_404_and_are_not_kept_alive():
    assert get("no-such-token").status_code == 404
    session = small_session()
    session.running = True
    token = live_view.token_for(session)
    assert get(token).status_code == 200  # a served frame is remembered too, but weakly
    session.running = False
    del session
    gc.collect()
    response = get(token)
    assert response.status_code == 404 and "reload the page" in answer(response)["error"]


def test_plotly_js_is_published_once_and_a_read_only_folder_is_survived(tmp_path):
    from dde_app.charts import publish_plotly_js

    target = publish_plotly_js(tmp_path / "static" / "plotly.min.js")
    assert target is not None and b"plotly.js" in target.read_bytes()[:400]
    stamp = target.stat().st_mtime_ns
    assert publish_plotly_js(target) == target and target.stat().st_mtime_ns == stamp  # not copied again
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert publish_plotly_js(blocked / "plotly.min.js") is None
