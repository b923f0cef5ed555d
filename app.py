"""DDE Playground: what `streamlit run app.py` starts.

Streamlit's pages (navigation.py, which runs for every page view) plus two HTTP routes
of our own: the live DDE panel fetches its frames from ``live/<token>`` while a model
trains, so the page does not rerun for each frame (dde_app/live_view.py says why), and
``_dde/load`` reports what the server is doing (dde_app/load_report.py), including how
late its event loop runs (dde_app/event_loop_lag.py, watched while the server runs).
"""

from dde_app.tensorflow_setup import configure_tensorflow

configure_tensorflow()  # before the imports below bring in TensorFlow

import streamlit as st  # noqa: E402

from dde_app import live_view, load_report  # noqa: E402
from dde_app.charts import publish_plotly_js  # noqa: E402
from dde_app.event_loop_lag import watching_the_event_loop  # noqa: E402
from dde_app.memory import freeze_startup_objects, keep_returning_freed_memory  # noqa: E402

publish_plotly_js()  # plotly.js for a live chart on a page without other charts (charts.py)
# Import the engine now and freeze what the server holds from here on, so that a closed
# session's objects are collected promptly and cheaply, and given back (dde_app/memory.py).
freeze_startup_objects()
keep_returning_freed_memory()
app = st.App(
    "navigation.py",
    routes=live_view.routes() + load_report.routes(),
    lifespan=watching_the_event_loop,  # the load report's event-loop lag (dde_app/event_loop_lag.py)
)
