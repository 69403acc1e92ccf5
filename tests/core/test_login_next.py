"""The login page's `next` is followed only when it is a same-origin path (issue 18, item 1):
`javascript:`, `//other.host/`, `/\\other.host` and absolute URLs are dropped on the server, and
the page's own script checks again before it navigates."""
from __future__ import annotations

import pytest

from hotline.security import safe_next

BAD = ["javascript:alert(document.domain)", "JavaScript:alert(1)", "//evil.example/", "/\\evil.example/",
       "https://evil.example/", "http:/evil.example", "data:text/html,<script>alert(1)</script>",
       " /console", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example"]


@pytest.mark.parametrize("value", BAD)
def test_unsafe_next_is_dropped(value: str) -> None:
    assert safe_next(value) == ""


@pytest.mark.parametrize("value", ["/console", "/console?tab=1#x", "/referrals/3", "/"])
def test_same_origin_paths_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize("value", ["javascript:alert(1)", "//evil.example/", "/\\evil.example/"])
def test_login_page_never_carries_an_unsafe_next(live_server, value: str) -> None:  # noqa: ANN001
    r = live_server.client().get("/login", params={"next": value})
    assert r.status_code == 200
    assert "evil.example" not in r.text and "javascript:" not in r.text.lower()


def test_login_page_keeps_a_safe_next(live_server) -> None:  # noqa: ANN001
    r = live_server.client().get("/login", params={"next": "/inbox"})
    assert 'data-next="/inbox"' in r.text
