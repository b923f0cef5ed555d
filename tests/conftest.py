"""Shared fixtures. TensorFlow is told to be quiet before anything imports it."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # tests run on the CPU

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def spirals():
    """10,000 points of 2spirals, the reference training set of docs/science.md §1."""
    from dde_core import datasets

    return datasets.sample("2spirals", 10_000, seed=0)


@pytest.fixture(scope="session")
def trained_spirals(spirals):
    """A DDE with the default settings trained on 2spirals at σ = 0.2 (a few seconds)."""
    from dde_core import DDE

    return DDE(sigma=0.2, seed=0).fit(spirals)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_itemcollected(item):
    """Each test is marked by its folder (tests/unit, tests/pages, tests/browser), so that for
    example ``pytest -m "not browser"`` runs everything but the real-browser tests.

    For a run on several processes (``make test``: ``pytest -n 2 --dist loadgroup``, pytest-xdist)
    each file's tests stay together (its module fixtures are made once), and all browser tests run
    in one process, against one app server. (Marked as each test is collected: pytest-xdist reads
    the groups in its own ``pytest_collection_modifyitems``.)"""
    folder = item.path.parent.name
    if folder in ("unit", "pages", "browser"):
        item.add_marker(folder)
    item.add_marker(pytest.mark.xdist_group("browser" if folder == "browser" else item.path.name))
