"""dde_core: Denoising Density Estimators in TensorFlow, checked against the exact KDE.

Importing the package only defines names; nothing is computed or downloaded.

    >>> from dde_core import DDE, GaussianKDE, datasets
    >>> X = datasets.sample("2spirals", 10_000, seed=0)
    >>> model = DDE(sigma=0.2).fit(X)
    >>> kde = GaussianKDE(sigma=0.2).fit(X)        # the target the model converges to
"""

from . import datasets
from .grid import Grid
from .kde import GaussianKDE
from .model import ACTIVATIONS, DDE

__all__ = ["ACTIVATIONS", "DDE", "GaussianKDE", "Grid", "datasets"]
