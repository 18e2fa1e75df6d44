"""`rag serve` answers only to the names it was started for, so that a page on another site that
rebinds its own name to 127.0.0.1 can neither read the index nor write to it; and a POST is
judged by the page it comes from against that list, never against the request's own Host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import SEEDS
from serve_helpers import running_server

from rag.app import Rag
from rag.embed import HashEmbedder
from rag.errors import RagError
from rag.serve.security import ServeConfig, check_bind


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hosts") / "index"
    with Rag.open(index=folder, embedder=HashEmbedder()) as rag:
        rag.ingest([SEEDS])
    return folder


@pytest.fixture(scope="module")
def site(index: Path) -> Iterator[str]:
    with running_server(index, HashEmbedder(), allowed_hosts=("news.example.org",)) as url:
        yield url


def port_of(site: str) -> int:
    return int(site.rsplit(":", 1)[1])


def upload(site: str, headers: dict[str, str]) -> httpx.Response:
    files = [("files", ("rebound.txt", b"Text planted by another site's page.", "text/plain"))]
    return httpx.post(f"{site}/api/ingest", files=files, headers=headers, timeout=60)


def test_a_rebound_name_reads_nothing(site: str) -> None:
    response = httpx.get(f"{site}/api/articles", headers={"Host": f"evil.example:{port_of(site)}"})
    assert response.status_code == 421
    assert "evil" not in response.text and "--allowed-host" in response.json()["error"]


def test_a_rebound_name_gets_no_page_either(site: str) -> None:
    response = httpx.get(f"{site}/articles", headers={"Host": f"evil.example:{port_of(site)}"})
    assert response.status_code == 421 and "<html" not in response.text.lower()


def test_a_rebound_name_writes_nothing_even_with_its_own_origin(site: str, index: Path) -> None:
    before = httpx.get(f"{site}/api/stats").json()["articles"]
    forged = f"evil.example:{port_of(site)}"
    response = upload(site, {"Host": forged, "Origin": f"http://{forged}"})
    assert response.status_code == 421
    assert httpx.get(f"{site}/api/stats").json()["articles"] == before


def test_a_post_from_another_sites_page_is_refused_whatever_host_it_names(site: str) -> None:
    response = upload(site, {"Origin": "http://evil.example"})
    assert response.status_code == 403


def test_another_local_app_on_another_port_is_another_site(site: str) -> None:
    response = upload(site, {"Origin": f"http://localhost:{port_of(site) + 1}"})
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_loopback_names_are_served(site: str, name: str) -> None:
    response = httpx.get(f"{site}/api/stats", headers={"Host": f"{name}:{port_of(site)}"})
    assert response.status_code == 200


def test_a_name_given_with_allowed_host_is_served_on_any_port(site: str) -> None:
    response = httpx.get(f"{site}/api/stats", headers={"Host": "news.example.org"})
    assert response.status_code == 200


def test_a_page_of_the_server_itself_may_post(site: str) -> None:
    origin = f"http://127.0.0.1:{port_of(site)}"
    response = httpx.post(f"{site}/api/ask", json={"question": "Who offered asylum?"}, headers={"Origin": origin})
    assert response.status_code == 200


def test_a_token_that_headers_cannot_carry_is_refused_at_start() -> None:
    with pytest.raises(RagError, match="ASCII"):
        check_bind(ServeConfig(token="jeton-sécurisé", port=0))


@pytest.mark.parametrize("path", ["/ask", "/api/stats", "/no-such-page"])
def test_every_response_forbids_framing_and_sniffing(site: str, path: str) -> None:
    headers = httpx.get(f"{site}{path}").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_a_refusal_carries_the_same_protections(site: str) -> None:
    response = httpx.get(f"{site}/api/articles", headers={"Host": f"evil.example:{port_of(site)}"})
    assert response.status_code == 421 and response.headers["x-content-type-options"] == "nosniff"


def test_a_token_given_in_the_address_is_kept_in_a_cookie_scripts_cannot_read(index: Path) -> None:
    with running_server(index, HashEmbedder(), token="s3cret") as url:
        cookie = httpx.get(f"{url}/ask", params={"token": "s3cret"}).headers["set-cookie"].lower()
    assert cookie.startswith("rag_token=s3cret") and "httponly" in cookie and "samesite=strict" in cookie
