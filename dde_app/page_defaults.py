"""What each page shows before any click (a helper module, not a page).

So that no page opens empty, each shows a result for its default setup: a model trained
once per server and shared by every session (dde_app/shared_models.py), and what the
page measures on it. The pages read these names at run time, so a test may set smaller
ones (tests/pages/).
"""

from __future__ import annotations

from dde_core.config import Config

# Sampling: the default model and the sampler run shown on it.
SAMPLING_MODEL = Config(dataset="2spirals", sigma=0.2, steps=1500)
SAMPLING_RUN = {"sampler": "ULA", "step_size": 2e-3, "n_steps": 300, "n_chains": 1000, "seed": 0}

# Claims: the default model that every claim is measured on first.
CLAIMS_MODEL = Config(dataset="8gaussians", sigma=0.2, n_samples=5_000, steps=1_000)
