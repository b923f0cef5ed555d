"""The seed tutorial's three claims for DDEs, as measurements (no Streamlit, no Plotly here).

1. **Inference costs O(d), a KDE O(d·D)** (:mod:`.timing`): ``inference_timings``,
   ``crossover``, ``read_timing_json``.
2. **The learned density is a real, normalisable density** (:mod:`.likelihood`):
   ``normalising_constants``, ``held_out_log_likelihoods``, ``sigma_sweep``.
3. **The gradient field is conservative** (:mod:`.field`): ``field_view``,
   ``loop_integral``, ``disc_integral``.
4. **High-order gradients: autodiff or direct?** (:mod:`.hessians`): ``hessian_claim``
   measures the DDE's ∇²f, a score network's Jacobian and a second-order network
   against the exact KDE's Hessian (errors, cost, denoising covariances).

The model under test is a :class:`Subject`.  Long measurements report through
``progress(fraction, message, partial)`` (:mod:`.progress`) and return dataclasses;
the Claims page labels them and ``dde_viz.claims`` draws them.
"""

from __future__ import annotations

from ..kde import scipy_isotropic_kde
from ..training import train_in_chunks
from .field import FieldView, circle, curl, disc_integral, field_view, loop_integral
from .hessians import (
    BASELINE,
    DDE_HESSIAN,
    EXACT,
    JACOBIAN,
    SECOND_ORDER,
    SECOND_ORDER_STEP_COST,
    CovarianceSet,
    HessianErrorRow,
    HessianReport,
    covariance_set,
    ellipse_grid,
    hessian_claim,
    read_hessian_json,
    relative_errors,
)
from .likelihood import (
    ANALYTIC_OPTIMUM,
    BandwidthRule,
    LikelihoodReport,
    LikelihoodRow,
    NormalisingConstants,
    SweepReport,
    SweepRow,
    held_out_log_likelihoods,
    normalising_constants,
    sigma_sweep,
)
from .progress import Progress, StopCheck, chunk_reporter
from .subject import Subject
from .timing import (
    REPEAT_SECONDS,
    TIMING_SIZES,
    BenchTiming,
    Crossover,
    TimingReport,
    TimingRow,
    crossover,
    inference_timings,
    read_timing_json,
)

__all__ = [
    "ANALYTIC_OPTIMUM",
    "TIMING_SIZES",
    "REPEAT_SECONDS",
    "Subject",
    "Progress",
    "StopCheck",
    "chunk_reporter",
    "train_in_chunks",
    "scipy_isotropic_kde",
    "TimingRow",
    "TimingReport",
    "inference_timings",
    "Crossover",
    "crossover",
    "BenchTiming",
    "read_timing_json",
    "NormalisingConstants",
    "normalising_constants",
    "BandwidthRule",
    "LikelihoodRow",
    "LikelihoodReport",
    "held_out_log_likelihoods",
    "SweepRow",
    "SweepReport",
    "sigma_sweep",
    "curl",
    "FieldView",
    "field_view",
    "circle",
    "loop_integral",
    "disc_integral",
    "DDE_HESSIAN",
    "JACOBIAN",
    "SECOND_ORDER",
    "EXACT",
    "BASELINE",
    "SECOND_ORDER_STEP_COST",
    "HessianErrorRow",
    "HessianReport",
    "CovarianceSet",
    "covariance_set",
    "ellipse_grid",
    "hessian_claim",
    "read_hessian_json",
    "relative_errors",
]
