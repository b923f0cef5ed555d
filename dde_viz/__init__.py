"""Figures, animation and reports: Plotly and Pillow, no Streamlit."""
