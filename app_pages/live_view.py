"""The live DDE panel's frames, served over plain HTTP (a helper module, not a page).

While a model trains, the page does not rerun to show each new frame: a rerun costs
the browser more than drawing the frame (Streamlit re-renders its element tree), and
on a 2-core machine that browser work is taken from training. Instead the panel's
chart (assets/live_chart.js) asks ``GET live/<token>?after=<step>`` every
``POLL_SECONDS`` and draws what comes back:

- 200 ``{"step", "running": true, "figure"}``: a frame newer than ``after``;
- 204: nothing newer yet;
- 200 ``{"running": false}``: training stopped (the page itself then reruns);
- 404: no such session (closed, or the server restarted).

Each request is also the session's heartbeat: when the tab closes the requests stop
and the trainer stops after its idle time. A token is random and known only to the
page of its own session, so one person cannot read another's frames. Sessions are
held weakly: a closed Streamlit session frees its model as before.
"""

from __future__ import annotations

import secrets
import threading
import weakref

import plotly.graph_objects as go
import plotly.io
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from dde_core.figures import density_figure
from dde_core.session import PlaygroundSession

POLL_SECONDS = 0.1  # how often a playing page asks for a new frame
_tokens: "weakref.WeakKeyDictionary[PlaygroundSession, str]" = weakref.WeakKeyDictionary()
_sessions: "weakref.WeakValueDictionary[str, PlaygroundSession]" = weakref.WeakValueDictionary()
_cache: "weakref.WeakKeyDictionary[PlaygroundSession, tuple[int, str]]" = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def token_for(session: PlaygroundSession) -> str:
    """The session's secret token for the frames route (made on first use)."""
    with _registry_lock:
        token = _tokens.get(session)
        if token is None:
            token = secrets.token_urlsafe(16)
            _tokens[session] = token
            _sessions[token] = session
        return token


def poll_path(session: PlaygroundSession) -> str:
    """The frames route of this session, relative to the app's base URL."""
    return f"live/{token_for(session)}"


def dde_panel_figure(session: PlaygroundSession, as_image: bool) -> go.Figure:
    """The DDE panel at the newest captured frame, on the exact KDE's colour scale.

    ``as_image``: the density as a picture (cheap to redraw, for frames while playing).
    """
    frame = session.latest_frame
    zmax = float(session.experiment.kde_view.density.max())
    return density_figure(frame.as_view(), f"DDE: exp f and ∇f, step {frame.step:,}", zmax,
                          show_scale=False, as_image=as_image)


def _frame_json(session: PlaygroundSession) -> tuple[int, str]:
    """(step, figure JSON) of the newest frame, built once per frame."""
    step = session.latest_frame.step
    cached = _cache.get(session)
    if cached is None or cached[0] != step:
        figure = dde_panel_figure(session, as_image=True)
        cached = (step, plotly.io.to_json(figure, validate=False))
        _cache[session] = cached
    return cached


async def live_frame(request: Request) -> Response:
    """``GET live/{token}?after=<step>``: the newest frame, if newer than ``after``."""
    session = _sessions.get(request.path_params["token"])
    if session is None or session.experiment is None:
        return JSONResponse({"error": "This live view has ended: reload the page."}, status_code=404)
    session.heartbeat()
    if not session.running:
        return JSONResponse({"running": False})
    try:
        after = int(request.query_params.get("after", "-1"))
    except ValueError:
        return JSONResponse({"error": "'after' must be a whole number (a training step)."}, status_code=400)
    if session.latest_frame.step <= after:
        return Response(status_code=204)
    step, figure = await run_in_threadpool(_frame_json, session)
    body = '{"running": true, "step": %d, "figure": %s}' % (step, figure)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def routes() -> list[Route]:
    """The HTTP routes to mount beside Streamlit's (see app.py)."""
    return [Route("/live/{token}", live_frame, methods=["GET"])]
