"""Accounts, sign-in with lockout, sessions, the audit trail and ``hatangso users``."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import threading
import unicodedata
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from geodata import Store
from hatangso import accounts, audit
from hatangso.access import Role, RoleError
from hatangso.accounts import (
    AccountError,
    SignInError,
    SignInLocked,
    add_user,
    authenticate,
    disable_user,
    enable_user,
    list_users,
    session_valid,
    start_session,
)
from hatangso.cli import users as users_cli

T0 = dt.datetime(2024, 6, 30, 8, 0, tzinfo=dt.UTC)
PASSWORD = "Mật-khẩu-đủ-dài-42"  # noqa: S105 - a test account
#: Cheap Argon2id parameters so that the tests stay fast (the default is tested once).
FAST = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@pytest.fixture
def db(backend_store: Store) -> Store:
    """An existing, empty store on each backend (accounts live in an existing store)."""
    backend_store.write({}, {})
    return backend_store


def _table_text(store: Store, table: str) -> str:
    with store.transaction() as tx:
        return repr(tx.rows(f"SELECT * FROM {table}"))  # noqa: S608


def test_no_account_exists_until_one_is_added(db: Store) -> None:
    assert list_users(db) == []
    for name, password in (("admin", "admin"), ("department", "department1234")):
        with pytest.raises(SignInError, match="wrong username or password"):
            authenticate(db, name, password, now=T0, hasher=FAST)


def test_password_only_as_argon2id_hash(db: Store) -> None:
    account = add_user(db, "Sở.TTTT", "department", PASSWORD, actor="test")
    assert account.username == "sở.tttt"
    assert account.role == Role("department")
    with db.transaction() as tx:
        row = tx.row("SELECT password_hash FROM hatangso_users")
    assert row is not None
    assert str(row[0]).startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # the default hasher
    for table in ("hatangso_users", "hatangso_audit"):
        assert PASSWORD not in _table_text(db, table)
    if db.location.endswith(".gpkg"):
        data = db.path.read_bytes()
        assert PASSWORD.encode() not in data
        assert PASSWORD.encode("utf-16-le") not in data
    listed = list_users(db)
    assert [a.as_dict() for a in listed] == [account.as_dict()]
    assert not any("argon2" in str(v) for v in listed[0].as_dict().values())
    assert authenticate(db, "SỞ.TTTT", PASSWORD, now=T0).username == "sở.tttt"


def test_username_and_password_rules(db: Store) -> None:
    for bad in ("", "x" * 65, "có dấu cách", "a/b", "semi;colon"):
        with pytest.raises(AccountError, match="username"):
            add_user(db, bad, "viewer", PASSWORD, actor="t", hasher=FAST)
    with pytest.raises(AccountError, match="at least 10"):
        add_user(db, "lanh.dao", "viewer", "short", actor="t", hasher=FAST)
    with pytest.raises(AccountError, match="may not be the username"):
        add_user(db, "lanhdao.bd1", "viewer", "LanhDao.BD1", actor="t", hasher=FAST)
    with pytest.raises(RoleError, match="use one of: Viettel, VNPT, MobiFone"):
        add_user(db, "x", "operator:Orange", PASSWORD, actor="t", hasher=FAST)
    add_user(db, "lanh.dao", "viewer", PASSWORD, actor="t", hasher=FAST)
    with pytest.raises(AccountError, match="exists already"):
        add_user(db, "Lanh.Dao", "viewer", PASSWORD, actor="t", hasher=FAST)
    assert [a.username for a in list_users(db)] == ["lanh.dao"]


@pytest.mark.parametrize(
    ("text", "kind", "operator"),
    [
        ("department", "department", None),
        (" Viewer ", "viewer", None),
        ("operator:Mobifone", "operator", "MobiFone"),
        ("operator:Vinaphone", "operator", "VNPT"),
        ("operator:VNPT-VinaPhone", "operator", "VNPT"),
        ("operator: viettel", "operator", "Viettel"),
    ],
)
def test_role_parsing(text: str, kind: str, operator: str | None) -> None:
    role = Role.parse(text)
    assert (role.kind, role.operator) == (kind, operator)
    assert Role.parse(str(role)) == role


@pytest.mark.parametrize(
    "text", ["admin", "operator", "operator:", "operator:Orange", "operator:Shared", "viewer:x"]
)
def test_role_parsing_refuses(text: str) -> None:
    with pytest.raises(RoleError, match=r"department, viewer or operator:<name>|use one of"):
        Role.parse(text)


def test_wrong_password_and_unknown_user_read_the_same(db: Store) -> None:
    add_user(db, "viettel.bd", "operator:Viettel", PASSWORD, actor="t", hasher=FAST)
    messages = []
    for name, password in (("viettel.bd", "wrong-password!"), ("nobody", PASSWORD), ("", "x")):
        with pytest.raises(SignInError) as info:
            authenticate(db, name, password, now=T0, hasher=FAST)
        assert not isinstance(info.value, SignInLocked)
        messages.append(str(info.value))
    assert len(set(messages)) == 1
    account = authenticate(db, "viettel.bd", PASSWORD, now=T0, hasher=FAST)
    assert account.role == Role("operator", "Viettel")


@pytest.mark.parametrize("name", ["mobifone.bd", "nobody.at.all"])
def test_lockout_after_five_failures_and_release(db: Store, name: str) -> None:
    add_user(db, "mobifone.bd", "operator:MobiFone", PASSWORD, actor="t", hasher=FAST)
    for i in range(accounts.MAX_FAILURES):
        moment = T0 + dt.timedelta(seconds=i)
        with pytest.raises(SignInError) as info:
            authenticate(db, name, "wrong-password!", now=moment, hasher=FAST)
        assert not isinstance(info.value, SignInLocked)
    # A new Store object (a new browser session, another worker) sees the same count.
    again = Store(db.location)
    for minutes in (1, 14):
        moment = T0 + dt.timedelta(minutes=minutes)
        with pytest.raises(SignInLocked, match="locked until 08:15 UTC") as locked:
            authenticate(again, name, PASSWORD, now=moment, hasher=FAST)
        assert locked.value.until == T0 + dt.timedelta(minutes=15)
    later = T0 + dt.timedelta(minutes=15, seconds=1)
    if name == "mobifone.bd":
        assert authenticate(again, name, PASSWORD, now=later, hasher=FAST).username == name
    else:
        with pytest.raises(SignInError) as info:
            authenticate(again, name, PASSWORD, now=later, hasher=FAST)
        assert not isinstance(info.value, SignInLocked)
    actions = audit.entries(db, actor=name)["action"].tolist()
    assert actions.count("sign_in_failed") == accounts.MAX_FAILURES + (name != "mobifone.bd")
    assert actions.count("sign_in_locked") == 3  # locked at the 5th failure, refused twice


def test_success_clears_the_failures(db: Store) -> None:
    add_user(db, "vnpt.bd", "operator:VNPT", PASSWORD, actor="t", hasher=FAST)
    for _ in range(2):
        for _ in range(accounts.MAX_FAILURES - 1):
            with pytest.raises(SignInError):
                authenticate(db, "vnpt.bd", "nope-nope-nope", now=T0, hasher=FAST)
        authenticate(db, "vnpt.bd", PASSWORD, now=T0, hasher=FAST)


class CountingHasher(PasswordHasher):
    """The cheap hasher, counting the verifications (from any thread)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8 * 1024, parallelism=1)
        self.verified = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        with self._lock:
            self.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("name", ["viettel.bd", "nobody.at.all"])
def test_parallel_guesses_get_five_tries_at_most(db: Store, name: str) -> None:
    """Simultaneous wrong guesses cannot all pass the lock check before any is counted."""
    add_user(db, "viettel.bd", "operator:Viettel", PASSWORD, actor="t", hasher=FAST)
    hasher = CountingHasher()
    attempts = 12
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    guard = threading.Lock()

    def guess(i: int) -> None:
        store = Store(db.location)  # a session of its own, as in another browser or worker
        barrier.wait()
        try:
            authenticate(store, name, f"wrong-guess-{i:02d}", now=T0, hasher=hasher)
        except SignInLocked:
            outcome = "locked"
        except SignInError:
            outcome = "failed"
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            outcome = repr(err)
        else:
            outcome = "signed in"
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["failed"] * accounts.MAX_FAILURES + ["locked"] * (
        attempts - accounts.MAX_FAILURES
    )
    assert hasher.verified == accounts.MAX_FAILURES  # the others never reached the check
    with db.transaction() as tx:
        counted = tx.row(
            f"SELECT COUNT(*) FROM {accounts.FAILURES_TABLE} WHERE username = ?",  # noqa: S608
            (name,),
        )
    assert counted == (accounts.MAX_FAILURES,)
    actions = audit.entries(db, actor=name)["action"].tolist()
    assert actions.count("sign_in_failed") == accounts.MAX_FAILURES
    assert actions.count("sign_in_locked") == 1 + attempts - accounts.MAX_FAILURES
    # Even the right password is refused, unchecked, until the 15 minutes have passed.
    for moment in (T0 + dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=14, seconds=59)):
        with pytest.raises(SignInLocked) as locked:
            authenticate(db, name, PASSWORD, now=moment, hasher=hasher)
        assert locked.value.until == T0 + accounts.LOCK_WINDOW
    assert hasher.verified == accounts.MAX_FAILURES
    later = T0 + accounts.LOCK_WINDOW + dt.timedelta(seconds=1)
    if name == "viettel.bd":
        assert authenticate(db, name, PASSWORD, now=later, hasher=hasher).username == name
        with db.transaction() as tx:
            assert (
                tx.rows(
                    f"SELECT id FROM {accounts.FAILURES_TABLE} WHERE username = ?",  # noqa: S608
                    (name,),
                )
                == []
            )
    else:
        with pytest.raises(SignInError) as info:
            authenticate(db, name, PASSWORD, now=later, hasher=hasher)
        assert not isinstance(info.value, SignInLocked)


def test_a_pending_attempt_counts_until_it_succeeds(db: Store) -> None:
    """The attempt is counted before the verification and forgotten after a success."""
    add_user(db, "vnpt.bd", "operator:VNPT", PASSWORD, actor="t", hasher=FAST)
    seen: list[int] = []

    class Peeking(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
            with db.transaction() as tx:  # not inside authenticate's transaction
                row = tx.row(f"SELECT COUNT(*) FROM {accounts.FAILURES_TABLE}")  # noqa: S608
            assert row is not None
            seen.append(int(row[0]))
            return super().verify(hash, password)

    peeking = Peeking(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    with pytest.raises(SignInError):
        authenticate(db, "vnpt.bd", "nope-nope-nope", now=T0, hasher=peeking)
    assert authenticate(db, "vnpt.bd", PASSWORD, now=T0, hasher=peeking).username == "vnpt.bd"
    assert seen == [1, 2]  # each attempt was already counted while it was verified
    with db.transaction() as tx:
        assert tx.row(f"SELECT COUNT(*) FROM {accounts.FAILURES_TABLE}") == (0,)  # noqa: S608


def test_disable_and_enable(db: Store) -> None:
    add_user(db, "lanh.dao", "viewer", PASSWORD, actor="t", hasher=FAST)
    account = disable_user(db, "Lanh.Dao", actor="dept", now=T0)
    assert account.disabled
    assert accounts.get_user(db, "lanh.dao") == account  # the app signs its sessions out
    assert [a.disabled for a in list_users(db)] == [True]
    with pytest.raises(SignInError) as disabled:
        authenticate(db, "lanh.dao", PASSWORD, now=T0, hasher=FAST)
    assert not isinstance(disabled.value, SignInLocked)
    with pytest.raises(SignInError) as wrong:
        authenticate(db, "nobody", PASSWORD, now=T0, hasher=FAST)
    assert str(disabled.value) == str(wrong.value)  # a disabled account cannot be told apart
    # ... not even by never locking: its sign-ins count towards the lock like any failure.
    for _ in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(SignInError):
            authenticate(db, "lanh.dao", PASSWORD, now=T0, hasher=FAST)
    with pytest.raises(SignInLocked):
        authenticate(db, "lanh.dao", PASSWORD, now=T0, hasher=FAST)
    assert disable_user(db, "lanh.dao", actor="dept").disabled  # again: nothing changes
    enabled = enable_user(db, "lanh.dao", actor="dept", now=T0)
    assert not enabled.disabled
    assert enable_user(db, "lanh.dao", actor="dept") == enabled
    later = T0 + accounts.LOCK_WINDOW + dt.timedelta(seconds=1)
    assert authenticate(db, "lanh.dao", PASSWORD, now=later, hasher=FAST) == enabled
    actions = audit.entries(db, actor="dept")
    assert sorted(actions["action"]) == ["user_disabled", "user_enabled"]
    assert set(actions["subject"]) == {"lanh.dao"}
    failed = audit.entries(db, actor="lanh.dao", action="sign_in_failed")["detail"].tolist()
    assert failed == [{"known_user": True, "disabled": True}] * accounts.MAX_FAILURES
    for change in (disable_user, enable_user):
        with pytest.raises(AccountError, match="no user 'ghost'"):
            change(db, "ghost", actor="dept")


def test_set_password_and_rehash(db: Store) -> None:
    add_user(db, "dept", "department", PASSWORD, actor="t", hasher=FAST)
    stronger = PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1)
    authenticate(db, "dept", PASSWORD, now=T0, hasher=stronger)
    with db.transaction() as tx:
        row = tx.row("SELECT password_hash FROM hatangso_users")
    assert row is not None
    assert "t=2" in str(row[0])
    accounts.set_password(db, "dept", "một mật khẩu mới", actor="t", hasher=FAST)
    with pytest.raises(SignInError):
        authenticate(db, "dept", PASSWORD, now=T0, hasher=FAST)
    # NFD input (macOS keyboards) matches the NFC password.
    nfd = unicodedata.normalize("NFD", "một mật khẩu mới")
    assert nfd != "một mật khẩu mới"
    authenticate(db, "dept", nfd, now=T0, hasher=FAST)
    with pytest.raises(AccountError, match="no user"):
        accounts.set_password(db, "ghost", PASSWORD, actor="t", hasher=FAST)


def test_session_expiry() -> None:
    account = accounts.Account("a", Role("viewer"), "", "t")
    session = start_session(account, now=T0)
    assert session_valid(session, T0 + dt.timedelta(minutes=29))
    assert not session_valid(session, T0 + dt.timedelta(minutes=30))  # idle
    busy = session
    for step in range(1, 17):  # a request every 29 minutes for 7 h 44 min
        busy = busy.touch(T0 + dt.timedelta(minutes=29 * step))
    assert busy.signed_in_at == T0
    assert session_valid(busy, T0 + dt.timedelta(minutes=29 * 16 + 1))
    busy = busy.touch(T0 + dt.timedelta(hours=7, minutes=59))
    assert session_valid(busy, T0 + dt.timedelta(hours=7, minutes=59, seconds=59))
    assert not session_valid(busy, T0 + dt.timedelta(hours=8))  # absolute
    assert not session_valid(session, T0 + dt.timedelta(minutes=10), idle_minutes=5)


def test_audit_rolls_back_with_its_transaction(db: Store) -> None:
    def failing_import() -> None:
        with db.transaction() as tx:
            audit.record(tx, "dept", "import", "villages", {"features": 3})
            tx.execute("CREATE TABLE imported_rows (x TEXT)")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_import()
    with db.transaction() as tx:  # the import's own change rolled back too
        tx.execute("CREATE TABLE imported_rows (x TEXT)")
    assert audit.entries(db).empty
    first = audit.record(db, "dept", "import", "villages", {"features": 3}, at=T0)
    audit.record(db, "viettel.bd", "comment", "site-7", {"text": "ổn"}, at=T0)
    later = T0 + dt.timedelta(hours=1)
    audit.record(db, "dept", "plan_published", "fiber-2024", at=later)
    table = audit.entries(db)
    assert list(table.columns) == list(audit.AUDIT_COLUMNS)
    assert table["action"].iloc[0] == "plan_published"
    assert sorted(table["action"].iloc[1:]) == ["comment", "import"]
    assert table.iloc[0]["at"] == "2024-06-30T09:00:00.000000Z"
    only = audit.entries(db, actor="dept", action="import")
    assert only["id"].tolist() == [first]
    assert only.iloc[0]["detail"] == {"features": 3}
    assert len(audit.entries(db, since=later)) == 1
    assert len(audit.entries(db, limit=2)) == 2
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(db, "dept", "launch_missiles")


# --------------------------------------------------------------------------- the CLI


def _run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="hatangso")
    sub = parser.add_subparsers(dest="command", required=True)
    users_cli.register(sub)
    args = parser.parse_args(argv)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdin", io.StringIO(stdin))
        mp.setattr("sys.stdout", out)
        status = args.handler(args)
    return status, out.getvalue()


def test_cli_round_trip(db: Store) -> None:
    where = db.location
    status, out = _run(
        ["users", "add", "Mobi.BD", "--role", "operator:Mobifone", "--store", where,
         "--password-stdin"],
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert status == 0
    assert "added user 'mobi.bd' (operator:MobiFone)" in out
    status, out = _run(["users", "list", "--store", where, "--json"])
    payload = json.loads(out)
    assert payload["ok"] is True
    assert [(u["username"], u["role"]) for u in payload["users"]] == [
        ("mobi.bd", "operator:MobiFone")
    ]
    assert payload["users"][0]["created_by"].startswith("cli:")
    assert "password" not in out
    assert "argon2" not in out
    assert authenticate(db, "mobi.bd", PASSWORD, now=T0).role.operator == "MobiFone"
    status, out = _run(["users", "list", "--store", where])
    assert "mobi.bd" in out
    assert "operator:MobiFone" in out
    new = "mật khẩu thứ hai"
    assert _run(["users", "passwd", "mobi.bd", "--store", where, "--password-stdin"], new)[0] == 0
    assert authenticate(db, "mobi.bd", new, now=T0).username == "mobi.bd"
    assert "enabled" in out
    status, out = _run(["users", "disable", "Mobi.BD", "--store", where])
    assert status == 0
    assert "user 'mobi.bd' is disabled" in out
    _, out = _run(["users", "list", "--store", where])
    assert out.splitlines()[1].split()[-1] == "disabled"
    assert json.loads(_run(["users", "list", "--store", where, "--json"])[1])["users"][0][
        "disabled"
    ]
    with pytest.raises(SignInError):
        authenticate(db, "mobi.bd", new, now=T0)
    status, out = _run(["users", "enable", "mobi.bd", "--store", where, "--json"])
    assert status == 0
    assert json.loads(out)["user"]["disabled"] is False
    _, out = _run(["users", "list", "--store", where])
    assert out.splitlines()[1].split()[-1] == "enabled"
    status, out = _run(["users", "remove", "mobi.bd", "--store", where])
    assert status == 0
    assert "removed user" in out
    assert json.loads(_run(["users", "list", "--store", where, "--json"])[1])["users"] == []
    actions = audit.entries(db)
    cli_rows = actions[actions["actor"].str.startswith("cli:")]
    assert sorted(cli_rows["action"]) == [
        "password_changed",
        "user_added",
        "user_disabled",
        "user_enabled",
        "user_removed",
    ]
    assert PASSWORD not in repr(actions.to_dict())
    assert new not in repr(actions.to_dict())


def test_cli_refuses_bad_input(db: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    where = db.location
    with pytest.raises(SystemExit):  # a password is never an argument
        _run(["users", "add", "x", "--role", "viewer", "--store", where, "--password", "p"])
    answers = iter(["first-password-1", "other-password-2"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": next(answers))
    with pytest.raises(AccountError, match="differ"):
        _run(["users", "add", "x", "--role", "viewer", "--store", where])
    monkeypatch.setattr("getpass.getpass", lambda _prompt="": pytest.fail("prompted"))
    with pytest.raises(RoleError, match="unknown operator 'Orange'"):  # before the prompt
        _run(["users", "add", "x", "--role", "operator:Orange", "--store", where])
    for action in ("remove", "disable", "enable"):
        with pytest.raises(AccountError, match="no user 'ghost'"):
            _run(["users", action, "ghost", "--store", where])
    assert list_users(db) == []


def test_cli_through_main_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Errors are InputErrors, so ``hatangso`` prints them and exits 2 once wired."""
    from geodata.errors import InputError

    assert issubclass(AccountError, InputError)
    assert issubclass(RoleError, InputError)
    with pytest.raises(InputError, match="no such store"):
        _run(["users", "list", "--store", str(tmp_path / "missing.gpkg")])
    capsys.readouterr()
