"""The engine's error type for bad input.

``InputError`` is a ``ValueError`` raised with a message a person can act on: what
is wrong with the input and what to do about it. The app shows these messages as
they are and catches nothing else as "bad input": any other exception is a bug and
is reported as one.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input (data, settings, files): the message says what is wrong and what to do."""
