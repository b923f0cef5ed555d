"""Calling the frames route (dde_app/live_view.py) as Starlette calls it, for the tests."""

from starlette.requests import Request

from dde_app import live_view
from tests.waiting import run_on_a_fresh_loop


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
    return run_on_a_fresh_loop(live_view.live_frame(request))
