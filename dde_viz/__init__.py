"""Figures, animation and reports: Plotly and Pillow, no Streamlit (used by the pages and the CLI)."""
