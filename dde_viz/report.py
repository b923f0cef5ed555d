"""A self-contained HTML page of a trained experiment (opens offline: plotly.js inlined)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from dde_core.experiment import Experiment

from .figures import comparison_figure, training_curves_figure

__all__ = ["write_html_report"]


def write_html_report(experiment: Experiment, metrics: dict, path: str | Path) -> Path:
    """Write data | DDE | KDE panels, the training curves and the metrics to ``path``."""
    config = experiment.config
    title = f"DDE on {config.dataset}, σ = {config.sigma:g}, {experiment.step} steps"
    panels = comparison_figure(experiment.points, experiment.view, experiment.kde_view, title)
    record = experiment.record
    curves = training_curves_figure(record.steps, record.loss, record.excess_loss, record.kl)
    body = "\n".join(
        [
            panels.to_html(full_html=False, include_plotlyjs=True),
            curves.to_html(full_html=False, include_plotlyjs=False),
            "<h3>Metrics</h3>",
            f"<pre>{html.escape(json.dumps(metrics, indent=2))}</pre>",
        ]
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head>"
        "<body style='font-family: sans-serif; max-width: 1400px; margin: auto'>"
        f"{body}</body></html>"
    )
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
