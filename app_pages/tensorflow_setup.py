"""TensorFlow settings for the app; must run before TensorFlow is imported (not a page)."""

import os


def configure_tensorflow() -> None:
    """Quiet start-up logs and one thread per op (environment defaults; a user's own win)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # One thread per TensorFlow op: the small DDE trains faster that way on 2 cores (325
    # against 277 steps/s, bench/RESULTS.md) and leaves more of the CPU to serve the page.
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
