"""Page tests see each page's default results (dde_app/page_defaults.py) made with tiny
settings: the same mechanism (trained once per process, shared by the sessions), in seconds."""

import pytest

from dde_app import page_defaults
from dde_core.config import Config

TINY_DEFAULTS = {
    "SAMPLING_MODEL": Config(dataset="2spirals", sigma=0.2, n_samples=1_000, hidden=(16, 16), steps=100),
    "SAMPLING_RUN": {"sampler": "ULA", "step_size": 2e-3, "n_steps": 20, "n_chains": 200, "seed": 0},
    "CLAIMS_MODEL": Config(dataset="8gaussians", sigma=0.2, n_samples=1_000, hidden=(16, 16), steps=100),
    "CLAIMS_CONTROLS": {
        **page_defaults.CLAIMS_CONTROLS,
        "claims_max_d": 1_000,
        "claims_budget": 5.0,
        "claims_query_n": 8,
        "claims_n_test": 200,
        "claims_n_is": 1_000,
        "claims_quad_n": 50,
        "claims_direct_steps": 20,
        "claims_hess_steps": 20,
        "claims_hess_n_test": 200,
        "claims_hess_ellipses": 2,
    },
}


@pytest.fixture(autouse=True, scope="session")
def tiny_page_defaults():
    saved = {name: getattr(page_defaults, name) for name in TINY_DEFAULTS}
    for name, value in TINY_DEFAULTS.items():
        setattr(page_defaults, name, value)
    yield
    for name, value in saved.items():
        setattr(page_defaults, name, value)
