"""Fixtures of the dashboard tests: a small web with a hostile entity name, and a client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from bubblescope.dashboard import Settings, create_app
from bubblescope.model import Web

#: An entity name that runs script if a page ever puts data into innerHTML.
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def xss_web(small_web: Web) -> Web:
    """The shared small web with the SPV renamed to :data:`XSS`."""
    entities = tuple(replace(e, name=XSS) if e.id == "spv" else e for e in small_web.entities)
    return replace(small_web, entities=entities)


@pytest.fixture
def client(xss_web: Web) -> Iterator[TestClient]:
    """A test client of the dashboard on :func:`xss_web`, default settings."""
    with TestClient(create_app(Settings(), xss_web), base_url="http://127.0.0.1:8000") as c:
        yield c
