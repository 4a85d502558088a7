"""Shared fixtures: tiny hand-built layers with known answers, and the real base data.

The real Bình Định base layers are read where they lie: ``$HATANGSO_BASE`` or
``../shared/data`` beside the checkout. Nothing from them is copied into tests/.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geodata import Store, import_file

ROOT = Path(__file__).resolve().parents[1]

#: Two communes in two districts, as boxes in lon/lat (EPSG:4326) inside Bình Định.
#: 21790 sits where Xã Vĩnh Kim is, 21550 where Phường Nhơn Bình is.
UNITS = [
    ("52", "Tỉnh Bình Định", "province", None, (108.6, 13.5, 109.37, 14.71)),
    ("547", "Huyện Vĩnh Thạnh", "district", "52", (108.6, 14.0, 108.95, 14.4)),
    ("540", "Thành phố Quy Nhơn", "district", "52", (109.1, 13.7, 109.3, 13.95)),
    ("21790", "Xã Vĩnh Kim", "commune", "547", (108.65, 14.2, 108.8, 14.35)),
    ("21550", "Phường Nhơn Bình", "commune", "540", (109.15, 13.8, 109.22, 13.86)),
]


def base_dir() -> Path:
    """Return the folder of the real base layers (``$HATANGSO_BASE`` or ../shared/data)."""
    return Path(os.environ.get("HATANGSO_BASE", ROOT.parent / "shared" / "data"))


#: The demo's two periods: the published mid-2024 status and the end-2024 one.
MID_2024 = "2024-06-30"
END_2024 = "2024-12-31"


@pytest.fixture(scope="session")
def base() -> Path:
    """The real base layers; the end-to-end tests need them and fail loudly without them."""
    path = base_dir()
    if not (path / "PROVENANCE.md").exists():
        pytest.fail(f"the base data is not at {path}; set HATANGSO_BASE")
    return path


def units_frame() -> gpd.GeoDataFrame:
    """The five hand-built admin units (1 province, 2 districts, 2 communes)."""
    return gpd.GeoDataFrame(
        {
            "unit_id": [u[0] for u in UNITS],
            "name": [u[1] for u in UNITS],
            "level": [u[2] for u in UNITS],
            "parent_id": [u[3] for u in UNITS],
        },
        geometry=[shapely.box(*u[4]) for u in UNITS],
        crs=4326,
    )


@pytest.fixture
def units_file(tmp_path: Path) -> Path:
    """A GeoJSON of the hand-built admin units."""
    path = tmp_path / "units.geojson"
    units_frame().to_file(path, driver="GeoJSON")
    return path


@pytest.fixture
def store(tmp_path: Path, units_file: Path) -> Store:
    """A store holding only the hand-built admin units."""
    out = Store(tmp_path / "store.gpkg")
    import_file(units_file, layer="admin_units", into=out, as_of="2024-06-30")
    return out


@pytest.fixture(scope="session")
def demo_store(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Bình Định demo store built from the real base layers (once a test session)."""
    from geodata.demo import build_demo
    from geodata.importer import write_demo

    out = tmp_path_factory.mktemp("demo") / "bd.gpkg"
    dataset = build_demo(base)
    write_demo(dataset, Store(out))
    return out
