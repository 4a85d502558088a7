"""The ``hatangso`` command line (``hatangso --help``), beside the Streamlit app ``app.py``."""
