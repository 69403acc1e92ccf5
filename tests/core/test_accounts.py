"""Passwords and accounts (issue 18, item 10): the policy (12+ characters, not a common password,
not the username), `hotline user add` reading the password from stdin (never the command line),
`user disable`, `user reset-password`, and `seed-demo` refusing PostgreSQL unless --demo."""
from __future__ import annotations

import pytest

from hotline.auth.passwords import PasswordPolicyError, check_password
from tests.conftest import PROJECT_ROOT, run_cli


@pytest.mark.parametrize(("password", "why"), [
    ("short-pass1", "12"), ("password1234", "常见"), ("qwertyuiop123", "常见"), ("alice-the-admin", "用户名"),
])
def test_policy_refuses(password: str, why: str) -> None:
    username = "alice-the-admin"
    with pytest.raises(PasswordPolicyError, match=why):
        check_password(password, username)


def test_policy_accepts_a_long_uncommon_password() -> None:
    check_password("correct horse battery", "alice")


def test_common_password_list_is_shipped() -> None:
    path = PROJECT_ROOT / "hotline" / "auth" / "common_passwords.txt"
    assert len(path.read_text().split()) >= 100


def test_user_add_takes_no_password_option_and_applies_the_policy(settings, engine) -> None:  # noqa: ANN001
    r = run_cli(settings, "user", "add", "lawyer9", "--role", "lawyer", "--password", "a-long-password-here")
    assert r.returncode != 0  # no such option: a password on the command line ends up in shell history
    r = run_cli(settings, "user", "add", "lawyer9", "--role", "lawyer", input="password1234\n")
    assert r.returncode == 2 and "常见" in r.stderr
    r = run_cli(settings, "user", "add", "lawyer9", "--role", "lawyer", input="tea kettle under the bridge\n")
    assert r.returncode == 0, r.stderr


def test_disable_and_reset_password(settings, engine, live_server) -> None:  # noqa: ANN001
    assert run_cli(settings, "user", "add", "lawyer9", "--role", "lawyer", input="tea kettle under the bridge\n").returncode == 0
    client = live_server.login("lawyer9", "tea kettle under the bridge")
    assert client.get("/api/auth/me").status_code == 200
    r = run_cli(settings, "user", "reset-password", "lawyer9", input="short\n")
    assert r.returncode == 2
    r = run_cli(settings, "user", "reset-password", "lawyer9", input="another long passphrase\n")
    assert r.returncode == 0, r.stderr
    assert client.get("/api/auth/me").status_code == 401  # its sessions were ended
    client = live_server.login("lawyer9", "another long passphrase")
    r = run_cli(settings, "user", "disable", "lawyer9")
    assert r.returncode == 0, r.stderr
    assert client.get("/api/auth/me").status_code == 401
    r = live_server.client().post("/api/auth/login", json={"username": "lawyer9", "password": "another long passphrase"})
    assert r.status_code == 401


def test_seed_demo_refuses_postgresql_unless_demo(settings, engine) -> None:  # noqa: ANN001
    r = run_cli(settings, "seed-demo")
    if settings.sqlalchemy_url.startswith("postgresql"):
        assert r.returncode == 2 and "--demo" in r.stderr
        r = run_cli(settings, "seed-demo", "--demo")
    assert r.returncode == 0, r.stderr
    assert "change" in (r.stdout + r.stderr).lower() or "修改" in r.stdout + r.stderr


def test_make_run_warns_about_demo_passwords() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "demo passwords" in makefile.lower()
