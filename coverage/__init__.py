"""coverage: fiber and mobile coverage per village, commune, district and province.

Pure computation on validated layers in :data:`geodata.crs.WORK_CRS`; no file I/O.
The engine is built in issue #3; this package holds nothing yet.
"""
