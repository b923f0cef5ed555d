"""The layers stay apart: the engine needs no plotting or app library, the view layer no Streamlit."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = """
import importlib, importlib.abc, pkgutil, sys
blocked = {blocked!r}

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{{name}} is blocked: {package} must not need it")
        return None

sys.meta_path.insert(0, Block())
import {package}
for module in pkgutil.walk_packages({package}.__path__, "{package}."):
    if not module.name.endswith("__main__"):  # (running it is the command line)
        importlib.import_module(module.name)
print("ok")
"""


def imports_with_blocked(package: str, blocked: set[str]) -> subprocess.CompletedProcess:
    """Import every module of ``package`` in a fresh interpreter where ``blocked`` cannot be imported."""
    code = BLOCKER.format(blocked=blocked, package=package)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize(
    "package, blocked",
    [
        ("dde_core", ["plotly", "PIL", "streamlit"]),
        ("dde_viz", ["streamlit"]),
    ],
)
def test_every_module_imports_without_the_libraries_of_the_layers_above(package, blocked):
    result = imports_with_blocked(package, set(blocked))
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-2000:]


def test_the_blocker_can_fail():
    """The check above is real: a module that needs a blocked library fails it."""
    result = imports_with_blocked("dde_viz", {"plotly"})
    assert result.returncode != 0 and "plotly is blocked" in result.stderr
