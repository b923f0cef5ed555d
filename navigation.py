"""DDE Playground: the Streamlit script every page view runs (started by app.py).

Pages live in app_pages/, the engine in dde_core. (Not "pages/": Streamlit treats a
folder of that name beside the entry script as the old multipage mode until
st.navigation has run once, so a first visit straight to /sampling would bypass this
file, its navigation and its settings.)
"""

from pathlib import Path

from dde_app.tensorflow_setup import configure_tensorflow

configure_tensorflow()  # before anything imports TensorFlow (app.py does the same)

import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner import script_runner  # noqa: E402

from dde_app.playground_state import keep_across_reloads  # noqa: E402

ICON = Path(__file__).resolve().parent / "assets" / "icon.png"

# After every run, fragment runs included, Streamlit calls keras.backend.clear_session():
# that empties TensorFlow's kernel caches and forces a full garbage collection, which made
# each live frame cost ~0.15 s more than its training. The models here are per-session
# objects that must outlive reruns, so that clean-up is switched off for this app.
script_runner._clean_problem_modules = lambda: None

# The page icon is a file of the app's: a ":material/…:" icon would make every visitor's
# browser fetch it from a public font server (an offline classroom sees a failed request).
st.set_page_config(page_title="DDE Playground", page_icon=str(ICON), layout="wide")
pages = [
    st.Page("app_pages/playground.py", title="Playground", icon=":material/tune:", default=True),
    st.Page("app_pages/sampling.py", title="Sampling", icon=":material/scatter_plot:"),
    st.Page("app_pages/claims.py", title="Claims", icon=":material/fact_check:"),
    st.Page("app_pages/generate.py", title="Generate", icon=":material/auto_awesome:"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/leaderboard:"),
]
keep_across_reloads()  # a reloaded tab finds its playground again (dde_app/resume.py)
st.navigation(pages).run()
