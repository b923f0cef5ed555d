"""Memory kept per playground session after it is gone (issue "Hardening for a classroom").

In one process (no server, no browser): after two warm-up sessions, ``--sessions``
playground sessions are each made, trained ``--frames`` frames of 30 steps, and dropped
(with a full garbage collection); then the memory the process still holds (RSS from
/proc, after ``malloc_trim``) is divided by the number of sessions. The same for bare
DDE models (fit 300 steps, evaluated; and evaluated without XLA) and for exact KDEs, to
tell where it is kept.

    .venv/bin/python bench/bench_memory.py              # 10 of each, about 3 minutes
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (quiets TensorFlow, finds the project)

from dde_app.scheduler import Scheduler  # noqa: E402
from dde_app.session import PlaygroundSession  # noqa: E402
from dde_core import DDE, GaussianKDE, datasets  # noqa: E402
from dde_core.config import Config  # noqa: E402
from dde_core.model import _network_output, network_score  # noqa: E402


def rss_mb() -> float:
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024


def kept_per_use(use, times: int) -> float:
    """MiB the process still holds per call of ``use()`` once its objects are gone."""
    for _ in range(2):
        use()
        gc.collect()
    start = rss_mb()
    for _ in range(times):
        use()
        gc.collect()
    return (rss_mb() - start) / times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--frames", type=int, default=10)
    args = parser.parse_args()
    common.print_machine(common.machine_info())
    schedule = Scheduler(1, 8)
    X = datasets.sample("2spirals", 10_000, 0)

    def session() -> None:
        playground = PlaygroundSession(schedule=schedule)
        playground.start(Config())
        for _ in range(args.frames):
            playground.tick(30)

    def dde() -> None:
        model = DDE(sigma=0.2).fit(X, steps=300)
        model.log_density(X[:4096]), model.score(X[:4096])

    def dde_without_xla() -> None:
        """The same, its evaluations compiled without XLA (``jit_compile=False``): how much of
        what a model leaves behind is XLA's compiled code."""
        model = DDE(sigma=0.2).fit(X, steps=300)
        for function in (_network_output, network_score):
            model._evaluate(function, X[:4096], 65536, jit_compile=False)

    def kde() -> None:
        kde = GaussianKDE(sigma=0.2).fit(X)
        kde.log_density(X[:4096]), kde.score(X[:4096])

    rows = [
        [name, f"{kept_per_use(use, args.sessions):.1f}"]
        for name, use in [
            ("playground session", session),
            ("DDE model", dde),
            ("DDE model, evaluated without XLA", dde_without_xla),
            ("exact KDE", kde),
        ]
    ]
    common.print_table(["made, used and dropped", "MiB kept each"], rows)


if __name__ == "__main__":
    main()
