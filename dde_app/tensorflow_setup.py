"""TensorFlow settings for the app; must run before TensorFlow is imported (not a page)."""

import logging
import os


def configure_tensorflow() -> None:
    """Quiet logs and one thread per op (environment defaults; a user's own settings win)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Some compiled functions are traced once per model or run (second-order networks, the
    # samplers' steps), by design; TensorFlow's Python logger calls that "excessive
    # retracing" after five of them. Errors still show.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    # One thread per TensorFlow op: the small DDE trains faster that way on 2 cores (325
    # against 277 steps/s, bench/RESULTS.md) and leaves more of the CPU to serve the page.
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
