"""ui: the pages of the Streamlit app and the map they draw.

Presentation only: cached loaders that call :mod:`geodata`, :mod:`coverage` and
:mod:`planner` (:mod:`ui.data`), the folium map (:mod:`ui.mapview`), the words in Vietnamese
and English (:mod:`ui.i18n`), the shared sidebar and header (:mod:`ui.shell`) and one module
a page. No geometry is computed here.
"""
