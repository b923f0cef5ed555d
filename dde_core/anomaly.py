"""Anomaly detection with density estimators: injected outliers, ROC curves, AUC and thresholds.

A point is flagged as an outlier when its log-density is at or below a threshold τ:
low density = anomalous.  Sweeping τ over every value taken gives the ROC curve
(false-positive rate among inliers, true-positive rate among outliers); its area is

    AUC = P(log p(outlier) < log p(inlier)) + ½ P(equal)   (Mann-Whitney),

computed here by the trapezoidal rule over the curve's corners (ties give the
diagonal segment, i.e. the ½).  A log-density of −∞ (zero density) ranks as the most
anomalous.  Outliers are injected into held-out inliers: "uniform" on the inliers'
bounding box widened by ``margin`` of its size on every side, or "cluster", a tight
Gaussian blob (std 0.25 × the inliers' std per coordinate) centred ``shift`` standard
deviations away from their mean in a random direction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InputError
from .validation import check_points, check_positive_float

__all__ = [
    "OUTLIER_KINDS",
    "OutlierSet",
    "inject_outliers",
    "RocCurve",
    "roc_curve",
    "flag",
    "threshold_for_share",
    "AnomalyResult",
    "detect",
]

OUTLIER_KINDS = ("uniform", "cluster")
_CLUSTER_SPREAD = 0.25  # the cluster's std, per coordinate, as a fraction of the inliers'


@dataclass(frozen=True)
class OutlierSet:
    """Inliers and injected outliers, shuffled: points (m, d), is_outlier (m,) bool."""

    points: np.ndarray
    is_outlier: np.ndarray
    kind: str
    share: float


def _check_share(share: Any) -> float:
    if not (isinstance(share, (int, float)) and 0 < share < 1):
        raise InputError(f"The share of outliers must be between 0 and 1 (such as 0.05), got {share!r}.")
    return float(share)


def inject_outliers(
    inliers: Any, share: float = 0.05, kind: str = "uniform", seed: int = 0, margin: float = 0.1, shift: float = 4.0
) -> OutlierSet:
    """Inliers (n, d) plus outliers making up ``share`` of the result (at least one), shuffled (seeded).

    kind "uniform": uniform on the inliers' box widened by ``margin`` × its size per side;
    "cluster": N(mean + shift · std ⊙ u, (0.25 std)²), u a random unit vector.
    """
    inliers = check_points(inliers, "inliers", min_points=2)
    share = _check_share(share)
    if kind not in OUTLIER_KINDS:
        raise InputError(f"Outliers are {' or '.join(OUTLIER_KINDS)}, got {kind!r}.")
    margin = float(margin)
    shift = check_positive_float(shift, "shift")
    rng = np.random.default_rng(seed)
    n, d = inliers.shape
    count = max(1, round(share * n / (1.0 - share)))
    if kind == "uniform":
        low, high = inliers.min(axis=0), inliers.max(axis=0)
        pad = margin * (high - low)
        outliers = rng.uniform(low - pad, high + pad, (count, d))
    else:
        direction = rng.standard_normal(d)
        direction /= np.linalg.norm(direction)
        std = inliers.std(axis=0)
        centre = inliers.mean(axis=0) + shift * std * direction
        outliers = centre + _CLUSTER_SPREAD * std * rng.standard_normal((count, d))
    points = np.concatenate([inliers, outliers])
    labels = np.concatenate([np.zeros(n, bool), np.ones(count, bool)])
    order = rng.permutation(len(points))
    return OutlierSet(points[order], labels[order], kind, share)


@dataclass(frozen=True)
class RocCurve:
    """ROC of the rule "flag when log p ≤ threshold", one corner per distinct log-density value.

    false_positive_rate, true_positive_rate, thresholds: (k,), from (0, 0) (threshold −∞:
    nothing flagged) to (1, 1) (the highest value: everything flagged), thresholds rising.
    auc: the area under the curve.
    """

    false_positive_rate: np.ndarray
    true_positive_rate: np.ndarray
    thresholds: np.ndarray
    auc: float


def _check_scores(is_outlier: Any, log_density: Any) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(is_outlier, dtype=bool).reshape(-1)
    values = np.asarray(log_density, dtype=np.float64).reshape(-1)
    if labels.shape != values.shape:
        raise InputError(f"Give one log-density per point: {len(labels)} labels but {len(values)} values.")
    if np.isnan(values).any() or np.isposinf(values).any():
        raise InputError("Log-densities must be numbers or −inf (zero density), not NaN or +inf.")
    if labels.all() or not labels.any():
        raise InputError("A ROC curve needs both inliers and outliers among the points.")
    return labels, values


def roc_curve(is_outlier: Any, log_density: Any) -> RocCurve:
    """The ROC curve and AUC of flagging low log-density (m,) against the truth ``is_outlier`` (m,)."""
    labels, values = _check_scores(is_outlier, log_density)
    order = np.argsort(values, kind="stable")  # lowest density (most anomalous) first
    sorted_values, sorted_labels = values[order], labels[order]
    # one corner per distinct value: flag everything at or below it
    last_of_each = np.flatnonzero(np.append(sorted_values[1:] != sorted_values[:-1], True))
    true_positives = np.cumsum(sorted_labels)[last_of_each]
    false_positives = (last_of_each + 1) - true_positives
    tpr = np.concatenate([[0.0], true_positives / labels.sum()])
    fpr = np.concatenate([[0.0], false_positives / (~labels).sum()])
    thresholds = np.concatenate([[-np.inf], sorted_values[last_of_each]])
    return RocCurve(fpr, tpr, thresholds, float(np.trapezoid(tpr, fpr)))


def flag(log_density: Any, threshold: float) -> np.ndarray:
    """Which points (m,) are flagged: log p ≤ ``threshold``."""
    return np.asarray(log_density, dtype=np.float64) <= float(threshold)


def threshold_for_share(log_density: Any, share: float) -> float:
    """The threshold that flags the lowest-density ``share`` of the points (at least one point).

    With ties at the threshold, every tied point is flagged.
    """
    share = _check_share(share)
    values = np.sort(np.asarray(log_density, dtype=np.float64).reshape(-1))
    if values.size == 0:
        raise InputError("No log-density values to choose a threshold from.")
    return float(values[max(0, round(share * values.size) - 1)])


@dataclass(frozen=True)
class AnomalyResult:
    """One estimator's anomaly scores on an ``OutlierSet``: log p (m,) and its ROC curve."""

    estimator: str
    log_density: np.ndarray
    roc: RocCurve

    @property
    def auc(self) -> float:
        return self.roc.auc


def detect(models: Mapping[str, Any], outliers: OutlierSet) -> Iterator[AnomalyResult]:
    """Score ``outliers.points`` with each fitted model's log-density, one result at a time."""
    for name, model in models.items():
        values = model.log_density(outliers.points)
        yield AnomalyResult(name, values, roc_curve(outliers.is_outlier, values))
