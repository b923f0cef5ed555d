"""Every limit on costly input, in one place (README.md, "Limits", lists them too).

Chosen so that no click costs a person more than about two seconds before they see
feedback, and no run more than a budget the page states before it starts, on the
2-core machine the app is measured on (bench/RESULTS.md). The app, the command line
and the tests read them from here.
"""

from __future__ import annotations

__all__ = [
    "MAX_UPLOAD_MB",
    "MAX_TRAINING_POINTS",
    "DEFAULT_UPLOAD_POINTS",
    "RUN_BUDGET_SECONDS",
    "MAX_SAMPLER_CHAIN_STEPS",
    "FRAME_REQUESTS_PER_SECOND",
    "TRAINER_IDLE_SECONDS",
]

# ---- data --------------------------------------------------------------------------------
MAX_UPLOAD_MB = 50
"""Largest CSV upload (Streamlit's server.maxUploadSize in .streamlit/config.toml must match)."""

MAX_TRAINING_POINTS = 50_000
"""Most points a model trains on; larger files are subsampled (seeded) with a notice.
Building a model's exact-KDE views costs time in proportion to this."""

DEFAULT_UPLOAD_POINTS = 20_000
"""Points kept from a larger upload unless the person asks for more (up to the maximum)."""

# ---- runs ----------------------------------------------------------------------------------
RUN_BUDGET_SECONDS = 120.0
"""A run (sampling, a claims measurement) whose estimate is longer is refused before it starts."""

MAX_SAMPLER_CHAIN_STEPS = 5_000_000
"""Chains × steps (× levels) of one sampling run, whatever the measured speed."""

# ---- the live view and the trainer ---------------------------------------------------------
FRAME_REQUESTS_PER_SECOND = 25
"""Requests per second one session's frames route answers (the page asks 10 times a second);
more get HTTP 429."""

TRAINER_IDLE_SECONDS = 120.0
"""A trainer pauses, and says why when its page is next drawn, when neither the page nor its
live panel has asked for anything for this long (a connected tab asks about ten times a second)."""
