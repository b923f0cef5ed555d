"""Entry point of ``python -m dde_core``."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

from .cli import main  # noqa: E402

sys.exit(main())
