"""The page: Streamlit widgets and panels (``app.py`` lays them out; ``geo/`` does the work)."""
