"""bench/bench_load.py checked on a short run: a benchmark whose figures cannot be trusted
measures nothing. Two tabs play on the test server for a few seconds; every figure the
benchmark reports must be there and make sense (each session advanced, each Pause seen by
the server, the health endpoint answered), and its count of stalled spans is checked on
readings made up here.

Run:  .venv/bin/python -m pytest tests/browser/test_load_bench.py -q -p no:cacheprovider
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from .test_playground_browser import expect  # noqa: F401  (the module skips everything when chromium is missing)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))  # as when a benchmark runs as a script
from bench.bench_load import PAUSE_LIMIT_SECONDS, run_load, stalled_spans  # noqa: E402


def test_a_stalled_span_is_five_seconds_without_a_new_step():
    moving = [(t, 10 * t) for t in range(12)]
    assert stalled_spans(moving) == 0
    stuck = [(t, 10 * min(t, 4)) for t in range(12)]  # no new step from t = 4 on
    assert stalled_spans(stuck) == 3  # the spans from 4, 5 and 6 reach a reading 5 s later
    assert stalled_spans([(0.0, 5), (3.0, 5)]) == 0  # too short to tell


def test_the_load_benchmark_reports_two_sessions_playing_and_pausing(browser, app_url):
    result = run_load(browser, app_url, 2, seconds=6.0)
    rates = result["steps_per_second"]
    assert len(rates) == 2 and min(rates) > 0, rates
    assert math.isclose(result["total_steps_per_second"], sum(rates))
    assert 0 < result["fairness"] <= 1
    assert 0 < result["health_ms_median"] <= result["health_ms_max"] < math.inf
    assert 0 <= result["event_loop_lag_ms_max"] < 10_000  # NaN if the server did not watch its loop
    assert result["pauses_seen"] == 2 and result["pause_seconds_max"] < PAUSE_LIMIT_SECONDS  # every Pause seen
    # the server counts from its callback, which comes after the click
    assert 0 <= result["pause_on_server_seconds_max"] <= result["pause_seconds_max"]
    assert result["pause_seconds_max"] <= result["pause_redrawn_seconds_max"] < PAUSE_LIMIT_SECONDS
    assert 0 < result["server_cpu_percent"] and result["server_rss_mb"] > 100
