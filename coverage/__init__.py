"""coverage: fiber and mobile coverage per village, commune, district and province.

Pure computation on validated layers in :data:`geodata.crs.WORK_CRS`; no file I/O. It
builds on ``geodata`` and is used by ``planner``, ``hatangso`` and ``ui``.

* :mod:`coverage.engine` — :func:`~coverage.engine.compute_coverage`: the status of every
  village, cluster and priority place and the summaries; the map's signal rasters.
* :mod:`coverage.settings` — the coverage rules and the province's targets.
* :mod:`coverage.fiber` — which villages and clusters the fiber network reaches.
* :mod:`coverage.mobile` — the best predicted signal per operator at each point and
  whether it meets the rule (outdoor and indoor), with the radio model of
  :mod:`coverage.linkbudget` (RSRP per resource element and port, the defaults per
  technology), :mod:`coverage.pathloss` (the path-loss model of each band) and
  :mod:`coverage.tr38901` (the 3GPP macro models, LOS probability, building entry loss),
  :mod:`coverage.shadowing` (location-probability margins), :mod:`coverage.antenna`
  (sector pattern) and :mod:`coverage.terrain` (diffraction and line of sight);
  :mod:`coverage.radio` reads each site's parameters (refusing unreadable ones). The
  model card is ``docs/MODEL.md``.
* :mod:`coverage.grid` — rasters as the engine samples and builds them.
* :mod:`coverage.indicators` — indicators per unit and the targets evaluated on them.
* :mod:`coverage.trends` and :mod:`coverage.changes` — the Progress page (and the
  ``trends`` and ``changes`` commands): indicators over time, and what changed between
  two periods.
"""
