"""Training and exact-KDE speed of the engine in a given source tree, for A/B runs in one sitting.

    git worktree add /tmp/oldtree <commit>
    for tree in /tmp/oldtree .; do TF_NUM_INTRAOP_THREADS=1 .venv/bin/python bench/ab_speed.py $tree; done

Prints the default DDE's training steps/s (5 chunks of 200 steps after 100 warm-up steps, on
10,000 points of 2spirals, σ = 0.2) and GaussianKDE.log_density's seconds on the 40,000 cells of
the 200×200 grid at D = 10,000 (3 calls). Run both trees alternately: the figures of one machine
vary by ±20% from minute to minute.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "."))

from dde_core import DDE, GaussianKDE, Grid, datasets  # noqa: E402

points = datasets.sample("2spirals", 10_000, 0)
model = DDE(sigma=0.2, seed=0)
model.partial_fit(points, steps=100)
rates = []
for _ in range(5):
    start = time.perf_counter()
    model.partial_fit(steps=200)
    rates.append(200 / (time.perf_counter() - start))
kde = GaussianKDE(sigma=0.2).fit(points)
queries = Grid(n=200).points
kde.log_density(queries[:100])
seconds = []
for _ in range(3):
    start = time.perf_counter()
    kde.log_density(queries)
    seconds.append(time.perf_counter() - start)
print(
    f"{sys.argv[1:] or ['.']}: training {[round(r) for r in rates]} steps/s; "
    f"exact KDE 40,000 x 10,000: {[round(s, 2) for s in seconds]} s"
)
