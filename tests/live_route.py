"""Calling the frames route (dde_app/live_view.py) as Starlette calls it, for the tests."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from starlette.requests import Request

from dde_app import live_view


def get(token: str, query: str = ""):
    """The response of ``GET live/<token>?<query>``."""
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": f"/live/{token}",
            "headers": [],
            "path_params": {"token": token},
            "query_string": query.encode(),
        }
    )
    # A fresh thread for the event loop: the browser tests' Playwright may own this thread's.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, live_view.live_frame(request)).result()
