"""Every response tells the browser to keep HubDesk's data private and its pages unframed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.utils.cases import make_case, make_user


def test_pages_refuse_framing_sniffing_and_referrers(client: TestClient) -> None:
    for path in ("/chat", "/login", "/healthz"):
        response = client.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "no-referrer"


def test_case_json_is_never_cached(client: TestClient, session: Session) -> None:
    _, headers = make_user(session, role="volunteer", hub_id=None)
    case = make_case(session)
    for path in ("/api/v1/cases", f"/api/v1/cases/{case.id}", "/api/v1/users/me"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path


def test_refusals_carry_the_headers_too(client: TestClient) -> None:
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_route_that_sets_its_own_cache_policy_keeps_it(client: TestClient) -> None:
    response = client.get("/volunteer/volunteer.js")  # the page script: no-cache, so a release is seen at once
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-frame-options"] == "DENY"


def test_the_pages_run_under_a_policy_without_inline_script_or_style(client: TestClient, session: Session) -> None:
    """Issue 15, item 12: a real script and style policy, and pages that keep their code in files."""
    import re

    _, admin = make_user(session, role="admin")
    for path, headers in (("/chat", {}), ("/login", {}), ("/volunteer", admin), ("/coordinator", admin)):
        response = client.get(path, headers=headers, follow_redirects=False)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy
        html = response.text
        inline_scripts = [s for s in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
                          if "src=" not in s[0] and "application/json" not in s[0]]
        assert inline_scripts == [], path
        assert "<style" not in html and " style=" not in html and " onclick=" not in html, path
        for asset in re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', html):
            assert client.get(asset).status_code == 200, asset
    assert client.get("/chat/other.html").status_code == 404  # fixed names only, nothing else in static/
