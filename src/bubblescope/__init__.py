"""bubblescope: measure and stress-test the AI bubble.

>>> import bubblescope as bs
>>> web = bs.load_default()
>>> web.as_of.isoformat()
'2025-12-31'
"""

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

__all__ = [
    "QUESTIONS",
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
#: The installed version (read from the package metadata on first use).
__version__: str
#: The question packages, imported on first use (``bs.stress.run(...)``).
QUESTIONS = ("size", "signals", "stress")


def load_default() -> Web:
    """Load the bundled default AI financing web (as of 2025-12-31)."""
    from bubblescope.data import data_path
    from bubblescope.store.files import read_web_dir

    return read_web_dir(data_path("web"))


def load_web(path: str) -> Web:
    """Load a web directory (``web.yaml`` plus CSV tables) and validate it."""
    from bubblescope.store.files import read_web_dir

    return read_web_dir(path)


def __getattr__(name: str) -> object:
    """Import a question package on first use; read ``__version__`` from the installed
    package's metadata (importing :mod:`bubblescope` itself touches no file)."""
    import importlib

    if name in QUESTIONS:
        return importlib.import_module(f"bubblescope.{name}")
    if name == "__version__":
        from importlib.metadata import version

        return version("bubblescope")
    raise AttributeError(f"module 'bubblescope' has no attribute {name!r}")
