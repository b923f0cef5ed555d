"""The exact Gaussian kernel density estimate at bandwidth σ: the DDE's ground truth.

For training points x_1..x_D in R^d and weights w_i(y) = softmax_i(−||y − x_i||² / 2σ²):

    log p(y)      = logsumexp_i(−||y − x_i||² / 2σ²) − log D − (d/2) log(2πσ²)
    ∇ log p(y)    = (Σ_i w_i x_i − y) / σ²
    ∇² log p(y)   = −I / σ² + Cov_w(x) / σ⁴

Queries and training points are processed in blocks with a running (online)
log-sum-exp, so memory stays bounded by ``block_elements`` pairs whatever D and
the number of queries.  Arithmetic is float64 in TensorFlow (multi-threaded,
and on a GPU when one is visible).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import tensorflow as tf
from scipy.stats import gaussian_kde

from .errors import InputError
from .validation import check_points, check_positive_int, check_sigma

__all__ = ["GaussianKDE", "scipy_isotropic_kde"]


def _block_moments(queries, train, train_sq_norm, inv_two_var, order: int):
    """Log-weights of one block of pairs, reduced to their running statistics.

    queries (q, d), train (c, d), train_sq_norm (c,).  Returns
    (max_log_weight (q,), Σ e (q,), Σ e·x (q, d) or empty, Σ e·x xᵀ (q, d, d) or empty),
    with e = exp(log_weight − max_log_weight).
    """
    sq_dist = (
        tf.reduce_sum(queries * queries, axis=1, keepdims=True)
        + train_sq_norm[None, :]
        - 2.0 * tf.matmul(queries, train, transpose_b=True)
    )
    log_weight = -tf.maximum(sq_dist, 0.0) * inv_two_var
    block_max = tf.reduce_max(log_weight, axis=1)
    weight = tf.exp(log_weight - block_max[:, None])
    total = tf.reduce_sum(weight, axis=1)
    first = tf.matmul(weight, train) if order >= 1 else tf.zeros([0], queries.dtype)
    second = tf.einsum("qc,ci,cj->qij", weight, train, train) if order >= 2 else tf.zeros([0], queries.dtype)
    return block_max, total, first, second


@functools.cache
def _compiled_block_moments(order: int):
    """``_block_moments`` for one ``order``, compiled once for any block shape."""
    matrix = tf.TensorSpec([None, None], tf.float64)
    signature = [matrix, matrix, tf.TensorSpec([None], tf.float64), tf.TensorSpec([], tf.float64)]
    return tf.function(functools.partial(_block_moments, order=order), input_signature=signature)


class GaussianKDE:
    """Isotropic Gaussian KDE with absolute bandwidth ``sigma`` (data units).

    Parameters are stored as given; ``fit`` validates them (scikit-learn style).

    >>> kde = GaussianKDE(sigma=0.2).fit(X)          # X: (D, d)
    >>> kde.log_density(Y)                            # (m,), normalised, nats
    """

    def __init__(self, sigma: float = 0.2, block_elements: int = 2**22):
        self.sigma = sigma
        self.block_elements = block_elements

    # -- fitting -------------------------------------------------------------------------
    def fit(self, X: np.ndarray) -> GaussianKDE:
        """Store the training points X, shape (D, d)."""
        sigma = check_sigma(self.sigma)
        check_positive_int(self.block_elements, "block_elements", minimum=1024)
        X = check_points(X, "X", min_points=1)
        self.sigma_ = sigma
        self.n_points_, self.n_dims_ = X.shape
        # Work relative to the data mean: smaller numbers, less cancellation in ||y−x||².
        self.offset_ = X.mean(axis=0)
        self.train_ = np.ascontiguousarray(X - self.offset_)
        self._train_tf = tf.constant(self.train_, tf.float64)
        self._train_sq_norm = tf.reduce_sum(self._train_tf**2, axis=1)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "train_"):
            raise InputError("This GaussianKDE is not fitted yet: call fit(X) first.")

    def _queries(self, Y: np.ndarray) -> np.ndarray:
        self._check_fitted()
        Y = check_points(Y, "Y", dim=self.n_dims_, min_points=0)
        return Y - self.offset_

    # -- the streaming reduction -------------------------------------------------------
    def _block_sizes(self, n_queries: int) -> tuple[int, int]:
        train_block = min(self.n_points_, max(256, self.block_elements // 1024))
        query_block = max(1, min(max(n_queries, 1), self.block_elements // train_block))
        return query_block, train_block

    def moments_tf(self, queries: tf.Tensor, order: int, train_block: int | None = None):
        """Kernel-weighted moments of the training points, as TensorFlow ops.

        queries: float64 (q, d), relative to ``offset_``.  Returns
        (log Σ_i exp(−||y − x_i||²/2σ²) (q,), E_w[x] (q, d) or None, E_w[x xᵀ] (q, d, d) or None),
        moments up to ``order``, relative to ``offset_``.  Runs eagerly or inside a
        ``tf.function`` (the samplers compile it into their steps); the training
        points are streamed in blocks of ``train_block`` with an online log-sum-exp.
        """
        train_block = train_block or self._block_sizes(int(queries.shape[0] or 1))[1]
        block_moments = _compiled_block_moments(order)
        inv_two_var = tf.constant(1.0 / (2.0 * self.sigma_**2), tf.float64)
        running = None
        for c0 in range(0, self.n_points_, train_block):
            block = block_moments(
                queries,
                self._train_tf[c0 : c0 + train_block],
                self._train_sq_norm[c0 : c0 + train_block],
                inv_two_var,
            )
            running = block if running is None else _merge(running, block, order)
        run_max, total, first, second = running
        mean = first / total[:, None] if order >= 1 else None
        second_moment = second / total[:, None, None] if order >= 2 else None
        return run_max + tf.math.log(total), mean, second_moment

    def _moments(self, Y: np.ndarray, order: int):
        """``moments_tf`` for a NumPy array of any length, in query blocks; NumPy results."""
        queries = self._queries(Y)
        m, d = queries.shape
        query_block, train_block = self._block_sizes(m)
        log_sum = np.empty(m)
        mean = np.empty((m, d)) if order >= 1 else None
        second = np.empty((m, d, d)) if order >= 2 else None
        for q0 in range(0, m, query_block):
            rows = slice(q0, min(q0 + query_block, m))
            chunk = tf.constant(queries[rows], tf.float64)
            block_log_sum, block_mean, block_second = self.moments_tf(chunk, order, train_block)
            log_sum[rows] = block_log_sum.numpy()
            if order >= 1:
                mean[rows] = block_mean.numpy()
            if order >= 2:
                second[rows] = block_second.numpy()
        return log_sum, mean, second

    # -- public verbs ------------------------------------------------------------------
    def log_density(self, Y: np.ndarray) -> np.ndarray:
        """Normalised log-density log p(y) in nats, shape (m,), for Y of shape (m, d)."""
        log_sum, _, _ = self._moments(Y, order=0)
        return log_sum + self.log_normaliser_

    @property
    def log_normaliser_(self) -> float:
        """−log D − (d/2) log(2πσ²): turns log Σ_i exp(−||y − x_i||²/2σ²) into log p(y)."""
        self._check_fitted()
        return -math.log(self.n_points_) - 0.5 * self.n_dims_ * math.log(2 * math.pi * self.sigma_**2)

    def score_samples(self, Y: np.ndarray) -> np.ndarray:
        """Alias of ``log_density`` with scikit-learn's name."""
        return self.log_density(Y)

    def score(self, Y: np.ndarray) -> np.ndarray:
        """∇ log p(y) = (E_w[x] − y) / σ², shape (m, d)."""
        _, mean, _ = self._moments(Y, order=1)
        return self.score_from_moments(self._queries(Y), mean)

    def denoise(self, Y: np.ndarray) -> np.ndarray:
        """Tweedie's posterior mean E[x | y] = y + σ² ∇ log p(y), shape (m, d)."""
        _, mean, _ = self._moments(Y, order=1)
        return mean + self.offset_

    def hessian(self, Y: np.ndarray) -> np.ndarray:
        """∇² log p(y) = −I/σ² + Cov_w(x)/σ⁴, shape (m, d, d), symmetric."""
        _, mean, second = self._moments(Y, order=2)
        return self.hessian_from_moments(mean, second)

    # -- from moments to derivatives (NumPy arrays or TensorFlow tensors alike) ------------
    def score_from_moments(self, queries, mean):
        """(E_w[x] − y) / σ², (q, d), from queries y and E_w[x], both relative to ``offset_``."""
        return (mean - queries) / self.sigma_**2

    def hessian_from_moments(self, mean, second):
        """Cov_w(x)/σ⁴ − I/σ², (q, d, d), from E_w[x] (q, d) and E_w[x xᵀ] (q, d, d).

        Symmetric exactly: E_w[x xᵀ] and the outer product of the mean both are.
        """
        cov = second - mean[:, :, None] * mean[:, None, :]
        return cov / self.sigma_**4 - np.eye(self.n_dims_)[None] / self.sigma_**2

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
        """Draw n points, shape (n, d): pick training points uniformly, add N(0, σ²I)."""
        self._check_fitted()
        n = check_positive_int(n, "n")
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, self.n_points_, size=n)
        noise = rng.standard_normal((n, self.n_dims_)) * self.sigma_
        return self.train_[picks] + self.offset_ + noise


def scipy_isotropic_kde(X: np.ndarray, sigma: float) -> gaussian_kde:
    """scipy's ``gaussian_kde`` on X (D, d) with the kernel N(0, σ²I) of :class:`GaussianKDE`: the reference.

    scipy's kernel covariance is (bandwidth factor)² × the data covariance, never σ²I
    for general data, so after construction the kernel is replaced: covariance = σ²I,
    its Cholesky factor cho_cov = σI (what ``logpdf`` and ``evaluate`` use) and
    log_det = d·log(2πσ²) (scipy's log|2πΣ|).  Then logpdf(Y.T) equals
    ``GaussianKDE(sigma).fit(X).log_density(Y)`` (tested to 1e-6 nats);
    ``set_bandwidth`` or ``inv_cov`` would undo or ignore the replacement.
    """
    X = check_points(X, "X", min_points=2)
    sigma = check_sigma(sigma)
    try:
        kde = gaussian_kde(X.T)
    except np.linalg.LinAlgError:
        raise InputError(
            "scipy's gaussian_kde needs points that vary in every direction (its data "
            "covariance is singular here, e.g. points on a line); add some noise."
        ) from None
    d = X.shape[1]
    kde.covariance = sigma**2 * np.eye(d)
    kde.cho_cov = sigma * np.eye(d)
    kde.log_det = d * math.log(2.0 * math.pi * sigma**2)
    return kde


def _merge(running, block, order: int):
    """Combine running and new block statistics of an online log-sum-exp."""
    block_max, block_total, block_first, block_second = block
    run_max, run_total, run_first, run_second = running
    new_max = tf.maximum(run_max, block_max)
    old_scale, new_scale = tf.exp(run_max - new_max), tf.exp(block_max - new_max)
    total = run_total * old_scale + block_total * new_scale
    first = second = run_first
    if order >= 1:
        first = run_first * old_scale[:, None] + block_first * new_scale[:, None]
    if order >= 2:
        second = run_second * old_scale[:, None, None] + block_second * new_scale[:, None, None]
    return new_max, total, first, second
