"""Entry point of ``python -m dde_core`` (TensorFlow is imported by the CLI only when needed)."""

import sys

from .cli import main

sys.exit(main())
