"""DDE Playground: the Streamlit entry point. Pages live in app_pages/; the engine in dde_core.

(Not "pages/": Streamlit treats a folder of that name beside the entry script as the old
multipage mode until st.navigation has run once, so a first visit straight to /sampling
would bypass this file, its navigation and its settings.)
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow's C++ start-up logs
# One thread per TensorFlow op: the small DDE trains faster that way on 2 cores (325 against
# 277 steps/s, bench/RESULTS.md) and the other core stays free to serve and draw the page.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")

import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner import script_runner  # noqa: E402

# After every run, fragment runs included, Streamlit calls keras.backend.clear_session():
# that empties TensorFlow's kernel caches and forces a full garbage collection, which made
# each live frame cost ~0.15 s more than its training. The models here are per-session
# objects that must outlive reruns, so that clean-up is switched off for this app.
script_runner._clean_problem_modules = lambda: None

from app_pages.charts import publish_plotly_js  # noqa: E402

publish_plotly_js()  # plotly.js for the live charts when a page has no other chart (charts.py)
st.set_page_config(page_title="DDE Playground", page_icon=":material/blur_on:", layout="wide")
pages = [
    st.Page("app_pages/playground.py", title="Playground", icon=":material/tune:", default=True),
    st.Page("app_pages/sampling.py", title="Sampling", icon=":material/scatter_plot:"),
    st.Page("app_pages/claims.py", title="Claims", icon=":material/fact_check:"),
]
st.navigation(pages).run()
