"""Shared fixtures: tiny hand-built layers with known answers, and the real base data.

The real Bình Định base layers are read where they lie: ``$HATANGSO_BASE`` or
``../shared/data`` beside the checkout. Nothing from them is copied into tests/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pytest
import shapely

from geodata import Store, import_file

if TYPE_CHECKING:
    from hatangso.demo import DemoDataset

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


# ------------------------------------------------------------------------------ the demo


@pytest.fixture(scope="session")
def province_demo_build(base: Path) -> tuple[DemoDataset, tuple[str, ...]]:
    """The Bình Định demo (seed 0) and its progress messages, built once a test session.

    Building it takes seconds; every test that needs the province demo shares this one
    (through :func:`province_demo`, :func:`demo_store`). Read it, never change it: copy
    a layer before modifying it.
    """
    from hatangso.demo import build_demo

    messages: list[str] = []
    dataset = build_demo(base, seed=0, progress=messages.append)
    return dataset, tuple(messages)


@pytest.fixture(scope="session")
def province_demo(province_demo_build: tuple[DemoDataset, tuple[str, ...]]) -> DemoDataset:
    """The Bình Định demo built from the real base layers, seed 0 (shared; do not modify)."""
    return province_demo_build[0]


@pytest.fixture(scope="session")
def sample_demo() -> DemoDataset:
    """The synthetic sample demo (no base layers), seed 0 (shared; do not modify)."""
    from hatangso.demo import build_demo

    return build_demo(None, seed=0)


@pytest.fixture(scope="session")
def demo_store(province_demo: DemoDataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Bình Định demo written into a GeoPackage once a test session.

    Shared: a test that changes a store copies this file first (see
    :func:`demo_store_accounts`).
    """
    from hatangso.demo import write_demo

    out = tmp_path_factory.mktemp("demo") / "bd.gpkg"
    write_demo(province_demo, Store(out))
    return out


# --------------------------------------------------------------------------- PostgreSQL

#: The database every test database is copied from (PostGIS enabled); created when missing.
PG_TEMPLATE = "hatangso_test_template"


def pg_database_url(server_url: str, database: str) -> str:
    """Return ``server_url`` pointing at ``database`` instead (user, host, options kept)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The URL of a PostgreSQL server (with PostGIS available) the tests create databases on.

    From ``$HATANGSO_TEST_PG_URL`` (``eval "$(bash scripts/pg-test-server start)"`` starts a
    throwaway one); its user needs CREATEDB. Unset: the PostgreSQL tests are skipped,
    except where ``$CI`` is set, where they fail (CI must run both backends).
    """
    import psycopg

    url = os.environ.get("HATANGSO_TEST_PG_URL")
    if not url:
        reason = (
            "PostgreSQL backend not tested: set HATANGSO_TEST_PG_URL, e.g. "
            'eval "$(bash scripts/pg-test-server start)"'
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must run the store tests on both backends)")
        pytest.skip(reason)
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as con:
            con.execute("SELECT pg_advisory_lock(8414)")  # one pytest run creates it
            exists = con.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (PG_TEMPLATE,)
            ).fetchone()
            if exists is None:
                con.execute(f"CREATE DATABASE {PG_TEMPLATE}")
                with psycopg.connect(pg_database_url(url, PG_TEMPLATE), autocommit=True) as tmpl:
                    tmpl.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            con.execute("SELECT pg_advisory_unlock(8414)")
    except psycopg.Error as err:
        pytest.fail(f"HATANGSO_TEST_PG_URL={url}: cannot prepare the test template ({err})")
    return url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """The URL of a fresh, empty PostGIS database, dropped after the test."""
    import uuid

    import psycopg

    from geodata.store.pg import close_connections

    name = f"hatangso_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}")
    url = pg_database_url(pg_server, name)
    try:
        yield url
    finally:
        close_connections(url)
        with psycopg.connect(pg_server, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["gpkg", "postgis"])
def backend_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An empty store on each backend: a new GeoPackage file, a fresh PostGIS database.

    The PostGIS case needs ``$HATANGSO_TEST_PG_URL`` (see :func:`pg_server`).
    """
    if request.param == "gpkg":
        return Store(tmp_path / "store.gpkg")
    return Store(request.getfixturevalue("pg_url"))


# ---------------------------------------------------------------- accounts for the app tests

#: The password of every test account (never a default of the app: tests add accounts).
TEST_PASSWORD = "mat-khau-thu-nghiem-1"  # noqa: S105 - the tests' own accounts

#: Test accounts: username -> role.
TEST_ACCOUNTS = {
    "so.tttt": "department",
    "mobifone": "operator:MobiFone",
    "viettel": "operator:Viettel",
    "lanh.dao": "viewer",
}


def fast_hasher() -> object:
    """An Argon2id hasher cheap enough for tests."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def ensure_accounts(path: Path | str) -> None:
    """Add the :data:`TEST_ACCOUNTS` to a store that lacks them."""
    from hatangso import accounts

    store = Store(path)
    have = {a.username for a in accounts.list_users(store)}
    for name, role in TEST_ACCOUNTS.items():
        if name not in have:
            accounts.add_user(store, name, role, TEST_PASSWORD, actor="tests", hasher=fast_hasher())  # type: ignore[arg-type]


def sign_in(at: object, path: Path | str, username: str = "so.tttt") -> None:
    """Put a signed-in session for ``username`` into an AppTest's session state."""
    from hatangso import accounts

    ensure_accounts(path)
    account = accounts.get_user(Store(path), username)
    assert account is not None
    at.session_state["auth_session"] = accounts.start_session(account)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def demo_store_accounts(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store with the test accounts (the demo itself stays untouched)."""
    import shutil

    out = tmp_path_factory.mktemp("demo-accounts") / "bd.gpkg"
    shutil.copy2(demo_store, out)
    ensure_accounts(out)
    return out
