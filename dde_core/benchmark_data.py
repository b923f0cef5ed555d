"""Data for comparing density estimators, with the exact density wherever it is known.

``load(name, n_train, n_test, seed)`` returns a ``BenchmarkSet``: training and held-out
points (float64, (n, d)), the **oracle** ``log_density`` (the true log-density in nats,
or None), how to draw more points (``draw``, for learning curves) and a description
that says what the likelihood is relative to.  Names (``names()``):

* the 2-D toys of ``dde_core.datasets`` ("2spirals", ...).  Oracles:
  - 8gaussians, grid25: equal mixtures of isotropic Gaussians (``datasets.mode_centres``);
  - checkerboard: uniform on 8 squares of area 4, log p = −ln 32 inside, −∞ outside;
  - rings, circles: uniform angle around circles of radius r, blurred by N(0, s²I):
    p(x) = (1/2πs²) exp(−(ρ − r)²/2s²) · i0e(ρr/s²) per circle (ρ = ‖x‖, i0e(z) = e^(−z) I₀(z));
  - 2spirals, moons, swissroll: a curve c(t) with a known law of t, blurred (and for
    2spirals shifted by a uniform offset in [0, 1/6)² before the N(0, 0.1²I) noise):
    p(x) = ∫ p(t) k(x − c(t)) dt by composite Gauss-Legendre quadrature (8 points on
    panels shorter than the blur; error below 10⁻⁶ nats near the data, tested);
  - pinwheel (its map folds), line and cos (no density: points on a curve): none.
  The toys' rings, circles and moons place points at evenly spaced angles, not at
  random ones, so a held-out set of them shares angles with the training set; the
  oracle is their continuous-angle limit.
* "mixture-d<d>": a random mixture of 8 Gaussians in d dimensions (fixed for each d:
  Dirichlet(4) weights, means N(0, 2.5²I), covariances Q diag(s²) Qᵀ with s log-uniform
  on [0.3, 1] and Q a random rotation).  Exact density.
* "spirals-d<d>": 2spirals in the first two coordinates, N(0, 0.5²) in the other d − 2,
  all turned by a fixed random rotation Q (d × d): log p(x) = log p₂(u₁, u₂) +
  Σ_{k>2} log N(u_k; 0, 0.5²), u = Qᵀx (|det Q| = 1).  Exact density (p₂ as above).
  Both for d = 2, 4, 8, 16, 32 (any d from 2 to 64 is accepted).
* "digits": scikit-learn's 8×8 digits (1,797 images, bundled with the package, nothing
  downloaded), dequantised and rescaled, x = (v + u)/17 with v ∈ {0..16} the pixel and
  u ~ U[0, 1): a 64-d density on [0, 1)⁶⁴.  Its held-out log-likelihood L bounds the
  discrete images' log-probability: log P(v) ≥ L − 64 ln 17 (nats per image).  No oracle.
* "digits-pca8", "digits-pca16": the same points projected on the top 8 or 16 principal
  axes of the training split, y = Vᵀ(x − x̄) with V orthonormal: the density of the
  projection (a marginal of the 64-d law) in the same units; not comparable with "digits".

``train_test_split`` splits any points at random, seeded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.special import i0e, log_ndtr, logsumexp

from . import datasets
from .errors import InputError
from .validation import check_points, check_positive_int

__all__ = [
    "BenchmarkSet",
    "names",
    "describe",
    "load",
    "train_test_split",
    "SYNTHETIC_KINDS",
    "SYNTHETIC_DIMS",
    "MAIN_TOYS",
    "DIGITS_SETS",
    "toy_log_density",
    "mixture_log_density",
    "two_spirals_log_density",
]

LogDensity = Callable[[np.ndarray], np.ndarray]
Draw = Callable[[int, int], np.ndarray]  # (n, seed) -> (n, d) points

MAIN_TOYS = ("8gaussians", "2spirals", "checkerboard", "rings", "moons", "pinwheel")
SYNTHETIC_KINDS = ("mixture", "spirals")
SYNTHETIC_DIMS = (2, 4, 8, 16, 32)
DIGITS_SETS = ("digits", "digits-pca8", "digits-pca16")
MAX_SYNTHETIC_DIMS = 64
_SYNTHETIC = re.compile(r"^(mixture|spirals)-d(\d+)$")
_TEST_SEED_OFFSET = 1_000_003  # held-out points are drawn with seed + this, apart from any training seed
_STRUCTURE_SEED = 20_240_601  # fixes each synthetic set's mixture and rotation, whatever the data seed
_MIXTURE_COMPONENTS = 8
_SPIRALS_OTHER_STD = 0.5
_ORDER = 8  # Gauss-Legendre points per panel
_SPIRAL_PANELS = 120  # panels of equal arc length (0.12 each) along each spiral arm
_PAIRS_PER_BLOCK = 2**21
_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class BenchmarkSet:
    """Training and held-out points of one data set, with its oracle when the density is known.

    train (n, d), test (m, d): float64.  log_density: the exact log p (nats), or None.
    draw(n, seed): fresh points (n, d) from the same law, or None (a fixed data set).
    description: what the data is and what its likelihood is relative to.
    """

    name: str
    train: np.ndarray
    test: np.ndarray
    log_density: LogDensity | None
    draw: Draw | None
    description: str

    @property
    def n_dims(self) -> int:
        return int(self.train.shape[1])

    @property
    def has_oracle(self) -> bool:
        return self.log_density is not None


# ---------------------------------------------------------------------------
# Exact log-densities
# ---------------------------------------------------------------------------


def _in_blocks(function: Callable[[np.ndarray], np.ndarray], X: np.ndarray, per_row: int) -> np.ndarray:
    """``function`` on blocks of rows of X, each holding about _PAIRS_PER_BLOCK / per_row rows."""
    block = max(1, _PAIRS_PER_BLOCK // max(per_row, 1))
    parts = [function(X[start : start + block]) for start in range(0, len(X), block)]
    return np.concatenate(parts) if parts else np.empty(0)


def mixture_log_density(X: np.ndarray, weights: np.ndarray, means: np.ndarray, covariances: np.ndarray) -> np.ndarray:
    """log Σ_k π_k N(x; μ_k, Σ_k) in nats, (m,), for X (m, d), weights (K,), means (K, d), covariances (K, d, d).

    log N(x; μ, Σ) = −½‖L⁻¹(x − μ)‖² − Σ log L_jj − (d/2) log 2π with Σ = L Lᵀ (Cholesky).
    """
    X = np.asarray(X, dtype=np.float64)
    cholesky = np.linalg.cholesky(covariances)
    per_component = []
    for weight, mean, factor in zip(weights, means, cholesky):
        standardised = np.linalg.solve(factor, (X - mean).T)  # (d, m)
        log_det = np.sum(np.log(np.diag(factor)))
        per_component.append(
            math.log(weight) - 0.5 * np.sum(standardised**2, axis=0) - log_det - 0.5 * X.shape[1] * _LOG_2PI
        )
    return logsumexp(np.stack(per_component, axis=1), axis=1)


def _isotropic_mixture_log_density(X: np.ndarray, centres: np.ndarray, std: float) -> np.ndarray:
    """Equal-weight mixture of N(c_k, std² I)."""
    k, d = centres.shape
    covariances = np.broadcast_to(std**2 * np.eye(d), (k, d, d))
    return mixture_log_density(X, np.full(k, 1.0 / k), centres, covariances)


def _rings_log_density(X: np.ndarray, radii: tuple[float, ...], std: float) -> np.ndarray:
    """Equal mixture over circles of ``radii``, uniform angle, blurred by N(0, std² I) (2-D)."""
    rho = np.linalg.norm(np.asarray(X, dtype=np.float64), axis=1)
    variance = std**2
    terms = [
        -((rho - r) ** 2) / (2 * variance) + np.log(i0e(rho * r / variance)) - math.log(2 * math.pi * variance)
        for r in radii
    ]
    return logsumexp(np.stack(terms, axis=1), axis=1) - math.log(len(radii))


def _checkerboard_log_density(X: np.ndarray) -> np.ndarray:
    """−ln 32 on the 8 squares {(a, b) ∈ [−2, 2)², ⌊a⌋ + ⌊b⌋ even}, (a, b) = x/2; −∞ elsewhere."""
    cells = np.floor(np.asarray(X, dtype=np.float64) / 2.0)
    inside = (np.abs(cells + 0.5) < 2.0).all(axis=1) & ((cells.sum(axis=1) % 2) == 0)
    return np.where(inside, -math.log(32.0), -np.inf)


def _gauss_legendre(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss-Legendre quadrature (_ORDER points per panel) on panels ``edges``."""
    unit_nodes, unit_weights = np.polynomial.legendre.leggauss(_ORDER)
    half = np.diff(edges)[:, None] / 2
    middle = (edges[:-1] + edges[1:])[:, None] / 2
    return (middle + half * unit_nodes).ravel(), (half * unit_weights).ravel()


def _log_gaussian_kernel(offsets: np.ndarray, std: float) -> np.ndarray:
    """log N(v; 0, std² I) for offsets (..., 2), summed over the two coordinates."""
    return -np.sum(offsets**2, axis=-1) / (2 * std**2) - math.log(2 * math.pi * std**2)


def _log_box_blur(offsets: np.ndarray, width: float, std: float) -> np.ndarray:
    """log of U[0, width)² blurred by N(0, std² I) at offsets (..., 2): per coordinate
    [Φ(v/std) − Φ((v − width)/std)] / width, summed in logs (stable in both tails)."""
    upper, lower = offsets / std, (offsets - width) / std
    right = lower > 0  # both in the upper tail: use Φ(−lower) − Φ(−upper)
    big = np.where(right, log_ndtr(-lower), log_ndtr(upper))
    small = np.where(right, log_ndtr(-upper), log_ndtr(lower))
    return np.sum(big + np.log1p(-np.exp(small - big)) - math.log(width), axis=-1)


def _curve_log_density(
    X: np.ndarray,
    curve: np.ndarray,
    log_weights: np.ndarray,
    log_kernel: Callable[[np.ndarray], np.ndarray],
    reach: float,
    centre: np.ndarray | float = 0.0,
) -> np.ndarray:
    """log Σ_i w_i k(x − c_i): a curve's nodes (T, 2) with log-weights (T,) blurred by a kernel.

    Only nodes within ``reach`` (data units) of the nearest one count, distances taken from
    x − c_i to the kernel's ``centre``: the kernel must fall by a factor e^(−35) or more over
    ``reach`` for the nodes left out to be negligible.
    """
    X = np.asarray(X, dtype=np.float64)
    centres = curve + centre
    norms = np.sum(centres**2, axis=1)

    def block(rows: np.ndarray) -> np.ndarray:
        distance = np.sqrt(np.maximum(np.sum(rows**2, axis=1)[:, None] + norms - 2.0 * rows @ centres.T, 0.0))
        near = np.nonzero(distance <= distance.min(axis=1, keepdims=True) + reach)
        terms = np.full(distance.shape, -np.inf)
        terms[near] = log_weights[near[1]] + log_kernel(rows[near[0]] - curve[near[1]])
        return logsumexp(terms, axis=1)

    return _in_blocks(block, X, len(curve))


def two_spirals_log_density(X: np.ndarray) -> np.ndarray:
    """Exact log-density (nats) of ``datasets.sample("2spirals")`` at X (m, 2).

    The arm is c(t) = (−t cos t, t sin t)/3 with t = 3π√U (law p(t) = 2t/(3π)² on [0, 3π]),
    shifted by a uniform offset in [0, 1/6)² and blurred by N(0, 0.1²I); the other arm is
    its negation, each with weight ½: p(x) = ½ q(x) + ½ q(−x).  The integral over t uses
    panels of equal arc length, s(t) = (t√(1 + t²) + asinh t)/6.
    """
    fine = np.linspace(0.0, 3.0 * math.pi, 4001)
    arc = (fine * np.sqrt(1 + fine**2) + np.arcsinh(fine)) / 6.0
    t, weights = _gauss_legendre(np.interp(np.linspace(0.0, arc[-1], _SPIRAL_PANELS + 1), arc, fine))
    arm = np.stack([-np.cos(t) * t, np.sin(t) * t], axis=1) / 3.0
    log_weights = np.log(weights * 2.0 * t / (3.0 * math.pi) ** 2)
    width = 0.5 / 3.0
    # the box blur falls by more than e^(-38) from the nearest node to any node 1.0 further (box half-diagonal 0.12)
    arm_density = partial(
        _curve_log_density,
        curve=arm,
        log_weights=log_weights,
        log_kernel=partial(_log_box_blur, width=width, std=0.1),
        reach=1.0,
        centre=width / 2,
    )
    X = np.asarray(X, dtype=np.float64)
    both = np.stack([arm_density(X), arm_density(-X)])
    return logsumexp(both, axis=0) - math.log(2.0)


def _uniform_curve_log_density(
    X: np.ndarray, curves: list[Callable], span: tuple[float, float], std: float, panels: int
) -> np.ndarray:
    """Equal mixture of curves c(t), t uniform on ``span``, blurred by N(0, std² I)."""
    t, weights = _gauss_legendre(np.linspace(*span, panels + 1))
    log_weights = np.log(weights / (span[1] - span[0]))
    kernel = partial(_log_gaussian_kernel, std=std)
    terms = [_curve_log_density(X, curve(t), log_weights, kernel, reach=10.0 * std) for curve in curves]
    return logsumexp(np.stack(terms), axis=0) - math.log(len(curves))


def _moons_log_density(X: np.ndarray) -> np.ndarray:
    """Two half circles, angle uniform on [0, π], ×2 + (−1, −0.2), blurred by N(0, 0.2² I)."""
    shift = np.array([-1.0, -0.2])
    outer = lambda t: 2.0 * np.stack([np.cos(t), np.sin(t)], axis=1) + shift
    inner = lambda t: 2.0 * np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1) + shift
    return _uniform_curve_log_density(X, [outer, inner], (0.0, math.pi), 0.2, panels=24)


def _swissroll_log_density(X: np.ndarray) -> np.ndarray:
    """t uniform on [1.5π, 4.5π], curve t(cos t, sin t)/5, blurred by N(0, 0.2² I)."""
    roll = lambda t: t[:, None] * np.stack([np.cos(t), np.sin(t)], axis=1) / 5.0
    return _uniform_curve_log_density(X, [roll], (1.5 * math.pi, 4.5 * math.pi), 0.2, panels=80)


def _mixture_toy(name: str) -> LogDensity:
    centres, std = datasets.mode_centres(name)
    return partial(_isotropic_mixture_log_density, centres=np.asarray(centres, dtype=np.float64), std=std)


_TOY_ORACLES: dict[str, Callable[[], LogDensity]] = {
    "8gaussians": partial(_mixture_toy, "8gaussians"),
    "grid25": partial(_mixture_toy, "grid25"),
    "checkerboard": lambda: _checkerboard_log_density,
    "rings": lambda: partial(_rings_log_density, radii=(3.0, 2.25, 1.5, 0.75), std=0.08),
    "circles": lambda: partial(_rings_log_density, radii=(3.0, 1.5), std=0.24),
    "2spirals": lambda: two_spirals_log_density,
    "moons": lambda: _moons_log_density,
    "swissroll": lambda: _swissroll_log_density,
}


def toy_log_density(name: str) -> LogDensity | None:
    """The exact log-density of the toy ``name`` (a function of X (m, 2)), or None if unknown."""
    datasets.describe(name)  # refuses unknown names
    maker = _TOY_ORACLES.get(name)
    return None if maker is None else maker()


# ---------------------------------------------------------------------------
# Synthetic sets in d dimensions
# ---------------------------------------------------------------------------


def _rotation(d: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


@dataclass(frozen=True)
class _Mixture:
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray

    @classmethod
    def random(cls, d: int) -> _Mixture:
        rng = np.random.default_rng([_STRUCTURE_SEED, d])
        k = _MIXTURE_COMPONENTS
        weights = rng.dirichlet(np.full(k, 4.0))
        means = 2.5 * rng.standard_normal((k, d))
        covariances = []
        for _ in range(k):
            rotation = _rotation(d, rng)
            scales = np.exp(rng.uniform(math.log(0.3), 0.0, d))
            covariances.append((rotation * scales**2) @ rotation.T)
        return cls(weights, means, np.stack(covariances))

    def draw(self, n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        picks = rng.choice(len(self.weights), size=n, p=self.weights)
        cholesky = np.linalg.cholesky(self.covariances)
        noise = rng.standard_normal((n, self.means.shape[1]))
        return self.means[picks] + np.einsum("nij,nj->ni", cholesky[picks], noise)

    def log_density(self, X: np.ndarray) -> np.ndarray:
        return mixture_log_density(X, self.weights, self.means, self.covariances)


@dataclass(frozen=True)
class _EmbeddedSpirals:
    rotation: np.ndarray  # Q (d, d); x = Q u

    @classmethod
    def random(cls, d: int) -> _EmbeddedSpirals:
        return cls(_rotation(d, np.random.default_rng([_STRUCTURE_SEED, 1, d])))

    def draw(self, n: int, seed: int) -> np.ndarray:
        d = self.rotation.shape[0]
        plane = datasets.sample("2spirals", n, seed).astype(np.float64)
        rest = _SPIRALS_OTHER_STD * np.random.default_rng([seed, d]).standard_normal((n, d - 2))
        return np.concatenate([plane, rest], axis=1) @ self.rotation.T

    def log_density(self, X: np.ndarray) -> np.ndarray:
        u = np.asarray(X, dtype=np.float64) @ self.rotation
        rest = u[:, 2:] / _SPIRALS_OTHER_STD
        log_rest = -0.5 * np.sum(rest**2, axis=1) - rest.shape[1] * (math.log(_SPIRALS_OTHER_STD) + 0.5 * _LOG_2PI)
        return two_spirals_log_density(u[:, :2]) + log_rest


def _synthetic_law(kind: str, d: int) -> _Mixture | _EmbeddedSpirals:
    return _Mixture.random(d) if kind == "mixture" else _EmbeddedSpirals.random(d)


# ---------------------------------------------------------------------------
# Digits
# ---------------------------------------------------------------------------


def _digits(n_train: int, seed: int, components: int | None) -> tuple[np.ndarray, np.ndarray, str]:
    from sklearn.datasets import load_digits

    pixels = load_digits().data  # (1797, 64), values 0..16, shipped with scikit-learn
    rng = np.random.default_rng(seed)
    points = (pixels + rng.random(pixels.shape)) / 17.0
    train, test = train_test_split(points, 0.2, seed)
    train = train[:n_train]
    what = (
        "scikit-learn's 8×8 digits, dequantised and rescaled: x = (pixel + U[0,1))/17 in [0,1)^64; "
        "log P(image) ≥ held-out log-likelihood − 64 ln 17"
    )
    if components is None:
        return train, test, what
    mean = train.mean(axis=0)
    axes = np.linalg.eigh(np.cov(train, rowvar=False))[1][:, ::-1][:, :components]
    return (
        (train - mean) @ axes,
        (test - mean) @ axes,
        f"{what}; projected on the top {components} principal axes of the training split "
        f"(orthonormal): the density of that {components}-d projection, not comparable with the 64-d set",
    )


# ---------------------------------------------------------------------------
# The catalogue
# ---------------------------------------------------------------------------


def names() -> list[str]:
    """Every standard set: the toys, mixture-d<d> and spirals-d<d> for d in SYNTHETIC_DIMS, the digits."""
    synthetic = [f"{kind}-d{d}" for kind in SYNTHETIC_KINDS for d in SYNTHETIC_DIMS]
    return [*datasets.names(), *synthetic, *DIGITS_SETS]


def _synthetic_name(name: str) -> tuple[str, int] | None:
    match = _SYNTHETIC.match(name) if isinstance(name, str) else None
    if match is None:
        return None
    d = int(match.group(2))
    if not 2 <= d <= MAX_SYNTHETIC_DIMS:
        raise InputError(f"{name!r}: the synthetic sets exist for d from 2 to {MAX_SYNTHETIC_DIMS}, got d = {d}.")
    return match.group(1), d


def _check_name(name: str) -> None:
    if name in DIGITS_SETS or _synthetic_name(name) is not None or name in datasets.names():
        return
    raise InputError(
        f"Unknown data set {name!r}. Choose a toy ({', '.join(datasets.names())}), "
        f"mixture-d<d> or spirals-d<d> (d from 2 to {MAX_SYNTHETIC_DIMS}), or one of {', '.join(DIGITS_SETS)}."
    )


def describe(name: str) -> str:
    """What the set ``name`` is, in a sentence or two (cheap: nothing is drawn)."""
    _check_name(name)
    if name in DIGITS_SETS:
        return _digits_text(name)
    synthetic = _synthetic_name(name)
    if synthetic is not None:
        kind, d = synthetic
        if kind == "mixture":
            return f"A random mixture of {_MIXTURE_COMPONENTS} Gaussians in {d} dimensions (exact density known)."
        return (
            f"2spirals in a random plane of {d}-d space, N(0, {_SPIRALS_OTHER_STD}²) in the other "
            f"{d - 2} directions (exact density known)."
        )
    oracle = "exact density known" if name in _TOY_ORACLES else "no exact density"
    return f"{datasets.describe(name)} (2-D toy; {oracle})."


def _digits_text(name: str) -> str:
    if name == "digits":
        return "scikit-learn's digits, 64-d, dequantised to [0, 1)^64 (no exact density)."
    return f"scikit-learn's digits projected on {name.removeprefix('digits-pca')} principal axes (no exact density)."


def load(name: str, n_train: int = 5000, n_test: int = 2000, seed: int = 0) -> BenchmarkSet:
    """The set ``name`` with ``n_train`` training and ``n_test`` held-out points, drawn with ``seed``.

    Training points are drawn with ``seed``, held-out points with another seed; for the digits
    (a fixed data set of 1,797 images) a seeded 80/20 split, the training part cut to ``n_train``.
    """
    _check_name(name)
    n_train = check_positive_int(n_train, "n_train", minimum=2)
    n_test = check_positive_int(n_test, "n_test", minimum=2)
    seed = check_positive_int(seed, "seed", minimum=0)
    if name in DIGITS_SETS:
        components = None if name == "digits" else int(name.removeprefix("digits-pca"))
        train, test, text = _digits(n_train, seed, components)
        return BenchmarkSet(name, train, test, None, None, text)
    synthetic = _synthetic_name(name)
    if synthetic is not None:
        law = _synthetic_law(*synthetic)
        draw, oracle = law.draw, law.log_density
    else:
        draw, oracle = partial(_draw_toy, name), toy_log_density(name)
    test_seed = seed + _TEST_SEED_OFFSET
    return BenchmarkSet(name, draw(n_train, seed), draw(n_test, test_seed), oracle, draw, describe(name))


def _draw_toy(name: str, n: int, seed: int) -> np.ndarray:
    return datasets.sample(name, n, seed).astype(np.float64)


def train_test_split(points: np.ndarray, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``points`` (n, d) shuffled (seeded) into (train, test); test has round(n·fraction) rows, at least 2."""
    points = check_points(points, "points", min_points=4)
    if not (isinstance(test_fraction, (int, float)) and 0 < test_fraction < 1):
        raise InputError(f"test_fraction must be between 0 and 1, such as 0.2, got {test_fraction!r}.")
    order = np.random.default_rng(seed).permutation(len(points))
    n_test = min(max(2, round(len(points) * test_fraction)), len(points) - 2)
    return points[order[n_test:]], points[order[:n_test]]
