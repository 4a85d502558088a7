"""The reproducible demo dataset of Bình Định (2024 administrative units).

The demo stacks synthetic layers on top of the real public base layers documented in
``shared/data/PROVENANCE.md``:

* real: province, district and commune polygons with 2019 census population and
  households, the major roads, the approximate high-voltage lines and the WorldPop
  density raster;
* synthetic (labelled so in :class:`geodata.store.LayerMeta`): the 1,176 villages,
  their residential clusters, the local road network that links them to the major
  roads, the hand-placed priority places, and the operators' fiber routes, fiber nodes
  and mobile sites.

The synthetic networks are calibrated with the coverage engine (:mod:`coverage.fiber`,
:mod:`coverage.mobile`, default rules) until they show the province's published figures
(:mod:`hatangso.demo.targets`); that is why the demo lives above the coverage engine
and the planner. The figures the demo shows are therefore properties of the generator,
not a validation of the engine.

Everything is generated from a :class:`numpy.random.Generator` seeded from ``seed`` and
a key per step (and per commune or village), so a build is reproducible and appending
a step does not change the layers built before it. Computation happens in WGS 84 /
UTM 49N (EPSG:32649, metres); layers are returned in EPSG:4326. Without a base folder,
:func:`build_demo` builds a small, clearly labelled synthetic sample area ("mẫu tổng
hợp") so that a bare checkout runs end to end.

Choices worth knowing:

* Only *Làng O2* (xã Vĩnh Kim, huyện Vĩnh Thạnh) lacks electricity: at the reference
  date (2024-06-30) it is the one village the province reports without grid power
  (thôn Canh Giao, xã Canh Hiệp, was connected in April 2024).
* Village names are invented ("Thôn 3", "Thôn Phú Hòa", "Khu phố 2", "Làng Kon Trú"),
  except Làng O2 and *Thôn Canh Giao* (xã Canh Hiệp, huyện Vân Canh): the generated
  village of Canh Hiệp farthest from the commune centre takes that name. It has grid
  power (since April 2024) and is served by an 18 m, two-sector Viettel 4G site on air
  since June 2024, two months later; the ``mobile_sites`` contract has no date column,
  so the dates are in the layer's source text.
* Two periods: the layers reproduce the mid-2024 status (:data:`AS_OF`), and
  ``DemoDataset.later`` holds the end-2024 status (:data:`AS_OF_LATER`): the network
  layers that changed by then (fiber extensions toward 7 of the 15 villages without
  fiber, new and decommissioned sites, Viettel 5G at every district centre), complete,
  with the ids of unchanged features kept. The sample area gets a small later period too.
* Road ids starting with ``M`` are pieces of the real major roads; ids starting with
  ``S`` are synthetic local roads.

Modules, in the order a build uses them:

* :mod:`~hatangso.demo.build`: :func:`build_demo`, :func:`write_demo` and the datasets;
* :mod:`~hatangso.demo.context`: the base layers' container and the build context;
* :mod:`~hatangso.demo.base`: reading the real base layers; the ``admin_units`` layer;
* :mod:`~hatangso.demo.sample`: the synthetic sample area;
* :mod:`~hatangso.demo.villages`: villages and clusters;
* :mod:`~hatangso.demo.roads`: roads and power lines;
* :mod:`~hatangso.demo.places`: priority places;
* :mod:`~hatangso.demo.targets`: reference dates and the published figures;
* :mod:`~hatangso.demo.road_graph` and :mod:`~hatangso.demo.fiber`: the fiber network;
* :mod:`~hatangso.demo.sites` and :mod:`~hatangso.demo.mobile`: the mobile sites;
* :mod:`~hatangso.demo.periods`: the later period;
* :mod:`~hatangso.demo.truth`, :mod:`~hatangso.demo.evidence` and
  :mod:`~hatangso.demo.complaints`: the evidence layers (measurements drawn from a hidden
  truth, complaints), kept apart from the network layers in ``DemoDataset.evidence``;
* :mod:`~hatangso.demo.provenance`: the source and licence of every layer;
* :mod:`~hatangso.demo.common`: CRS transforms and small shared helpers.
"""

from hatangso.demo.build import DemoDataset as DemoDataset
from hatangso.demo.build import DemoPeriod as DemoPeriod
from hatangso.demo.build import build_demo as build_demo
from hatangso.demo.build import write_demo as write_demo
from hatangso.demo.targets import AS_OF as AS_OF
from hatangso.demo.targets import AS_OF_LATER as AS_OF_LATER
from hatangso.demo.targets import PUBLISHED_END_2024 as PUBLISHED_END_2024
from hatangso.demo.targets import PUBLISHED_MID_2024 as PUBLISHED_MID_2024
from hatangso.demo.targets import LaterTargets as LaterTargets
from hatangso.demo.targets import NetworkTargets as NetworkTargets

__all__ = [
    "AS_OF",
    "AS_OF_LATER",
    "PUBLISHED_END_2024",
    "PUBLISHED_MID_2024",
    "DemoDataset",
    "DemoPeriod",
    "LaterTargets",
    "NetworkTargets",
    "build_demo",
    "write_demo",
]
