"""The county over TLS: a desk trusts the certificate it received at enrollment and no
other; plain HTTP is for a county on this machine only."""

from __future__ import annotations

import subprocess

import pytest

from windowdesk.core.errors import ValidationError
from windowdesk.county.serve import serve
from windowdesk.db.store import open_store
from windowdesk.services import sync
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync.client import CountyClient, Refused
from windowdesk.sync.engine import enroll_desk, run_round

from county_support import County, start_county, stop_county
from .test_sync_e2e import _item_of, _receive

pytestmark = pytest.mark.slow


def _certificate(folder, name: str) -> tuple[str, str]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=county",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def tls_county(county_server, tmp_path):
    """The demo county's database, served over TLS (the plain server keeps running beside it)."""
    cert, key = _certificate(tmp_path, "county")
    county = start_county(county_server.database, "--cert", cert, "--key", key)
    yield County(county.url, county_server.database, county.process, county.output), county_server
    stop_county(county)


def test_a_desk_enrolls_over_tls_pins_the_certificate_and_refuses_an_impostor(tls_county, tmp_path):
    county, plain = tls_county
    assert county.url.startswith("https://")
    store = open_store(tmp_path / "a.sqlite")
    try:
        enroll_desk(store, county.url, plain.code("window"))
        with UnitOfWork(store, write=False) as uow:
            assert "BEGIN CERTIFICATE" in sync.state(uow)[sync.CERT]
        _receive(store, "zhangmin", "MZ", _item_of(store, "MZ"), 1)
        assert run_round(store).in_step

        # another server on the same address with another certificate: refused, nothing sent
        port = int(county.url.rsplit(":", 1)[1])
        stop_county(county)
        cert, key = _certificate(tmp_path, "impostor")
        impostor = start_county(plain.database, "--cert", cert, "--key", key, port=port)
        try:
            _receive(store, "zhangmin", "MZ", _item_of(store, "MZ"), 2)
            result = run_round(store)
            assert result.error and result.sent == 0
            with UnitOfWork(store, write=False) as uow:
                assert sync.status(uow).waiting == 1
        finally:
            stop_county(impostor)
    finally:
        store.close()


def test_plain_http_is_only_for_a_county_on_this_machine():
    with pytest.raises(Refused, match="https"):
        CountyClient("http://10.1.2.3:8650")
    CountyClient("http://127.0.0.1:8650").close()
    with pytest.raises(ValidationError, match="127.0.0.1"):
        serve("postgresql://unused/county", "0.0.0.0:8650")
    with pytest.raises(ValidationError):
        serve("postgresql://unused/county", "127.0.0.1:8650", cert="only-a-cert.pem")
