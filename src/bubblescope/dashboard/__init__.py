"""The browser face: a FastAPI app serving a JSON API and pages (``bubblescope serve``)."""

from bubblescope.dashboard.app import create_app
from bubblescope.dashboard.settings import Limits, Settings

__all__ = ["Limits", "Settings", "create_app"]
