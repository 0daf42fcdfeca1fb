"""postcheck never uses the network: post text is personal data."""

from __future__ import annotations

import socket

import pytest


def test_a_full_check_opens_no_socket(monkeypatch, tmp_path):
    """Load every model from scratch and check posts while any socket creation fails."""
    created: list[tuple] = []
    real_socket = socket.socket

    class Refused(real_socket):
        def __init__(self, *args, **kwargs):
            created.append(args)
            raise AssertionError(f"socket opened during a check: {args}")

    monkeypatch.setattr(socket, "socket", Refused)
    from postcheck.config import Config
    from postcheck.engine import Checker

    roster = tmp_path / "roster.csv"
    roster.write_text("name,role\nAmara Okafor,pupil\n", encoding="utf-8")
    checker = Checker(Config(roster=roster))  # the default, embedded toxicity model
    for text in [
        "Email office@hillside.sch.uk or visit https://hillside.example.org",
        "Amara Okafor in Year 4 is at Bushy Park until 3pm. Call 07700 900123",
        "you are pathetic",
    ]:
        checker.check(text)
    assert created == []


def test_the_blocking_fixture_really_blocks():
    with pytest.raises(AssertionError, match="network use"):
        socket.create_connection(("127.0.0.1", 9))
