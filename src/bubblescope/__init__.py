"""bubblescope: measure and stress-test the AI bubble.

>>> import bubblescope as bs
>>> web = bs.load_default()
>>> web.as_of.isoformat()
'2025-12-31'
"""

from bubblescope.data import data_path
from bubblescope.model import (
    BubblescopeError,
    Contract,
    ConvergenceError,
    DataError,
    Entity,
    ScenarioError,
    Source,
    Web,
)
from bubblescope.store.files import read_web_dir

__all__ = [
    "BubblescopeError",
    "Contract",
    "ConvergenceError",
    "DataError",
    "Entity",
    "ScenarioError",
    "Source",
    "Web",
    "__version__",
    "load_default",
    "load_web",
]
__version__ = "0.1.0"


def load_default() -> Web:
    """Load the bundled default AI financing web (as of 2025-12-31)."""
    return read_web_dir(data_path("web"))


def load_web(path: str) -> Web:
    """Load a web directory (``web.yaml`` plus CSV tables) and validate it."""
    return read_web_dir(path)


def __getattr__(name: str) -> object:
    """Import a sub-package on first use: ``bs.stress.run(...)`` after ``import bubblescope``."""
    if name in ("size", "signals", "stress"):
        import importlib

        return importlib.import_module(f"bubblescope.{name}")
    raise AttributeError(f"module 'bubblescope' has no attribute {name!r}")
