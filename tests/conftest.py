"""Shared fixtures. Every test runs with the network blocked: post text is personal data."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: hypothesis's default (200 ms) is a timing assertion, and on a
# shared 2-core machine a batch of 70 generated posts can take longer (it failed as
# FlakyFailure/DeadlineExceeded there). Speed is measured in benchmarks/, not here.
settings.register_profile("postcheck", deadline=None)
settings.load_profile("postcheck")

sys.path.insert(0, str(Path(__file__).parent))

from doubles import KeywordToxicity  # noqa: E402

from postcheck.config import Config  # noqa: E402
from postcheck.toxicity_backends import register_backend  # noqa: E402

register_backend("keyword-double")(lambda options: KeywordToxicity())


class NetworkUsed(AssertionError):
    pass


NETWORK_ATTEMPTS: list[str] = []


def _refuse(name):
    def refuse(*args, **kwargs):
        NETWORK_ATTEMPTS.append(f"{name}{args[1:] if name.endswith('connect') else args}")
        raise NetworkUsed(f"network use during a test: {name}{args}")

    return refuse


# The originals, before the autouse fixture blocks the network for each test.
REAL_CONNECT = socket.socket.connect
REAL_GETADDRINFO = socket.getaddrinfo
REAL_CREATE_CONNECTION = socket.create_connection
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _loopback_only(address) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if host not in LOOPBACK:
        raise AssertionError(f"network use during a test: {address}")


@pytest.fixture
def loopback(monkeypatch):
    """Connections to this computer only (the server and chromedriver); nothing else."""

    def connect(self, address):
        _loopback_only(address)
        return REAL_CONNECT(self, address)

    def getaddrinfo(host, *args, **kwargs):
        _loopback_only((host,))
        return REAL_GETADDRINFO(host, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        _loopback_only(address)
        return REAL_CREATE_CONNECTION(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any attempt to resolve a host name or open a connection."""
    monkeypatch.setattr(socket.socket, "connect", _refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "getaddrinfo", _refuse("socket.getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", _refuse("socket.create_connection"))
    yield


@pytest.fixture(scope="session")
def checker():
    """A Checker with the keyword test double for toxicity (fast, predictable)."""
    from postcheck.engine import Checker

    return Checker(Config(toxicity={"backend": "keyword-double"}))


@pytest.fixture(scope="session")
def real_checker():
    """A Checker exactly as a school gets it by default: the embedded toxicity model."""
    from postcheck.engine import Checker

    return Checker(Config())


@pytest.fixture
def double_config(tmp_path) -> Path:
    """A postcheck.yml that uses the keyword double for toxicity."""
    path = tmp_path / "postcheck.yml"
    path.write_text("toxicity: {backend: keyword-double}\n", encoding="utf-8")
    return path
