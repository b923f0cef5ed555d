"""Small helpers shared by the benchmarks: machine report, timing, tables, JSON output.

Import this module before TensorFlow is imported elsewhere: it quiets TF's C++
logging (TF_CPP_MIN_LOG_LEVEL=3, unless the caller already set it) and TF's
Python retracing warnings, and puts the project root on sys.path.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import resource
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402  (after the environment variable)

# Each new DDE traces its own compiled functions once; TF warns about that after
# five models ("triggered tf.function retracing"), which is expected here.
tf.get_logger().setLevel("ERROR")

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:  # so `python bench/bench_x.py` finds dde_core
    sys.path.insert(0, str(ROOT))

from dde_core.claims.timing import time_calls  # noqa: E402  (after the path is set)


def machine_info() -> dict[str, Any]:
    """What the figures were measured on (CPU count, versions, device, load)."""
    import numpy as np
    import scipy

    from dde_app.scheduler import usable_cores
    from dde_core.device import device_name

    usable = usable_cores()
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": usable,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "device": device_name(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
        "date": _dt.datetime.now().isoformat(timespec="seconds"),
    }


def print_machine(info: dict[str, Any]) -> None:
    print(
        f"Machine: {info['cpu_count']} CPUs ({info['cpus_usable']} usable), {info['device']}, "
        f"TF {info['tensorflow']}, NumPy {info['numpy']}, SciPy {info['scipy']}, "
        f"Python {info['python']}; load average {info['load_average_1_5_15']}"
    )


def measure(
    function: Callable[[], Any],
    repeats: int = 5,
    budget_seconds: float = 10.0,
    warmup: Callable[[], Any] | None | bool = True,
) -> dict[str, Any]:
    """Wall time of ``function()`` with time.perf_counter (the claims page's ``time_calls``).

    ``warmup``: True calls ``function`` once untimed (tracing, compilation,
    caches); a callable is called instead (e.g. the same work on a small
    subset); False/None skips it. Then up to ``repeats`` timed calls, stopping
    early once ``budget_seconds`` of timed calls have run (at least one call).
    Returns best, median, all times (s) and the last result.
    """
    if warmup is True:
        function()
    elif callable(warmup):
        warmup()
    timed = time_calls(function, repeats, budget_seconds)
    return {"best": timed.best, "median": statistics.median(timed.times), "times": timed.times, "result": timed.result}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != "darwin" else peak / 2**20


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain fixed-width table; floats are printed with :.4g unless already strings."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[j]) for r in text)) if text else len(h) for j, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in text:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)))


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to bench/out/<name>.json (directory created) and return the path."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    return path


def _jsonable(value: Any) -> Any:
    """NumPy scalars/arrays and tuples in JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def command_line() -> str:
    """The command that ran this benchmark, for the JSON record."""
    return " ".join([Path(sys.executable).name, *sys.argv])
