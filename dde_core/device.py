"""Which device TensorFlow computes on: a GPU when one is visible, else the CPU."""

from __future__ import annotations

import tensorflow as tf

__all__ = ["device_name"]


def device_name() -> str:
    """A short, person-readable name of the device TensorFlow places work on.

    "CPU" when no GPU is visible, else "GPU: <name>", e.g. "GPU: NVIDIA L4".
    """
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)}"
    return "CPU"
