"""What each page shows before any click (a helper module, not a page).

So that no page opens empty, each shows a result for its default setup: a model trained
once per server and shared by every session (dde_app/shared_models.py), and what the
page measures on it. The pages read these names at run time, so a test may set smaller
ones (tests/pages/).
"""

from __future__ import annotations

from dde_core.config import Config
from dde_core.leaderboard import ComparisonSetup

# Sampling: the default model and the sampler run shown on it. The exact KDE's chains cost
# O(n) per step against the 10,000 training points: 500 chains × 300 steps take about 11 s on
# 2 CPU cores (1,000 took 23 s, the first visitor's wait), the DDE's well under a second.
SAMPLING_MODEL = Config(dataset="2spirals", sigma=0.2, steps=1500)
SAMPLING_RUN = {"sampler": "ULA", "step_size": 2e-3, "n_steps": 300, "n_chains": 500, "seed": 0}

# Claims: the default model that every claim is measured on first, and the first values of the
# page's controls (with these, each claim shows the shared default result when its tab opens).
CLAIMS_MODEL = Config(dataset="8gaussians", sigma=0.2, n_samples=5_000, steps=1_000)
CLAIMS_CONTROLS = {
    "claims_max_d": 10_000,  # the crossover shows well below it (bench/RESULTS.md)
    "claims_budget": 10.0,
    "claims_query_n": 32,
    "claims_n_test": 5_000,
    "claims_n_is": 20_000,
    "claims_quad_n": 200,
    "claims_sweep_sigmas": [0.05, 0.1, 0.2, 0.3, 0.5, 0.8],
    "claims_sweep_steps": 500,
    "claims_direct_steps": 1_000,
    "claims_loop_x": 0.0,
    "claims_loop_y": 0.0,
    "claims_loop_r": 1.5,
    "claims_hess_steps": 1_000,
    "claims_hess_n_test": 2_000,
    "claims_hess_ellipses": 3,
}

# Compare: the default 2-D toy, every estimator at its defaults, 2,000 training and 1,000
# held-out points, seed 0 (about 45 s on 2 busy CPU cores: the DDE and the flow train 2,000
# steps each; docs/science.md §9).
COMPARE_SETUP = ComparisonSetup()
