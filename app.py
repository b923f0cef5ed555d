"""DDE Playground: the Streamlit entry point. Pages live in pages/; the engine in dde_core."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # quiet TensorFlow's C++ start-up logs

import streamlit as st  # noqa: E402

st.set_page_config(page_title="DDE Playground", page_icon=":material/blur_on:", layout="wide")
pages = [
    st.Page("pages/playground.py", title="Playground", icon=":material/tune:", default=True),
    st.Page("pages/sampling.py", title="Sampling", icon=":material/scatter_plot:"),
]
st.navigation(pages).run()
