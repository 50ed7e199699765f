"""Settings: loopback rule, token length, limits."""

from __future__ import annotations

import pytest

from bubblescope.dashboard import Limits, Settings
from bubblescope.dashboard.settings import is_loopback
from bubblescope.model import ScenarioError


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "example.org", "::"])
def test_non_loopback_host_requires_token(host: str) -> None:
    with pytest.raises(ScenarioError, match="requires a token"):
        Settings(host=host)
    assert Settings(host=host, token="s3cret-token").host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.8.9.1"])
def test_loopback_needs_no_token(host: str) -> None:
    assert is_loopback(host)
    assert Settings(host=host).token is None


def test_short_token_and_bad_port_are_refused() -> None:
    with pytest.raises(ScenarioError, match="at least 8"):
        Settings(token="short")
    with pytest.raises(ScenarioError, match="not counting spaces"):
        Settings(host="0.0.0.0", token=" " * 8)
    with pytest.raises(ScenarioError, match="not contain spaces"):
        Settings(token="  padded-token  ")
    with pytest.raises(ScenarioError, match="documentation's example"):
        Settings(host="0.0.0.0", token="CHANGE-ME-LONG-TOKEN")
    with pytest.raises(ScenarioError, match="port"):
        Settings(port=70000)


@pytest.mark.parametrize("field", ["max_upload_bytes", "max_paths", "max_quarters", "max_jobs"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ScenarioError, match=field):
        Limits(**{field: 0})
