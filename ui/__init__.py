"""ui: the pages of the Streamlit app and the map they draw.

Presentation only: cached loaders that call :mod:`geodata`, :mod:`coverage` and
:mod:`planner` (:mod:`ui.data`), the map's layers built from them (:mod:`ui.maplayers`) and
the folium map that draws them (:mod:`ui.mapview`), the words in Vietnamese and English
(:mod:`ui.texts`, picked by :mod:`ui.i18n`; figures formatted by :mod:`hatangso.formatting`),
the shared sidebar and header (:mod:`ui.shell`) and one module a page. No geometry is
computed here.
"""
