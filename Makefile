# The two commands of README.md. Both set up .venv first (idempotent).
.PHONY: app test demo bench
# `make app PORT=8600` serves on another port (the browser tests and benchmarks do).
PORT ?= 8501

# MALLOC_ARENA_MAX=2: a closed session's memory can be given back to the system (dde_app/memory.py).
app:
	scripts/setup.sh
	MALLOC_ARENA_MAX=2 .venv/bin/streamlit run app.py --server.port $(PORT)

test:
	scripts/setup.sh dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/python -m pytest -n 2 --dist loadgroup

demo:
	scripts/setup.sh
	.venv/bin/python -m dde_core train --dist 2spirals --sigma 0.2 --out out/demo

bench:
	scripts/setup.sh dev
	for b in bench/bench_*.py; do .venv/bin/python $$b || exit 1; done
