"""Giving freed memory back to the system (a helper module, not a page).

When a session's model is dropped, Python and TensorFlow free its memory, but the C
library's allocator (glibc's malloc) keeps the freed pages for later use, so the server's
resident memory does not go down. ``return_freed_memory`` asks glibc to hand every free
page back (``malloc_trim``). The server also starts with at most two malloc arenas
(``MALLOC_ARENA_MAX=2`` in the Makefile's ``app``): with one arena per thread, the memory
of many sessions' threads ends up scattered over many arenas and cannot be given back.
In one process this returns what closed sessions held; in the server a closed session
still leaves about 3.5 MiB, for reasons not yet found (bench/RESULTS.md §9).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

__all__ = ["return_freed_memory"]


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None on a system without it."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def return_freed_memory() -> bool:
    """Give the allocator's free pages back to the system; False where that is not possible."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
