"""Plain functions that turn numbers into plotly figures, one module per topic.

Nothing here imports Streamlit: tests call these functions directly.
"""
