"""The reproducible demo dataset of Bình Định: generated, calibrated, written into a store.

The demo sits above the coverage engine: its synthetic networks are calibrated with
:mod:`coverage.fiber` and :mod:`coverage.mobile` under the default rules.
"""

from hatangso.demo.build import AS_OF as AS_OF
from hatangso.demo.build import AS_OF_LATER as AS_OF_LATER
from hatangso.demo.build import DemoDataset as DemoDataset
from hatangso.demo.build import DemoPeriod as DemoPeriod
from hatangso.demo.build import build_demo as build_demo
from hatangso.demo.build import write_demo as write_demo
from hatangso.demo.networks import NetworkTargets as NetworkTargets

__all__ = [
    "AS_OF",
    "AS_OF_LATER",
    "DemoDataset",
    "DemoPeriod",
    "NetworkTargets",
    "build_demo",
    "write_demo",
]
