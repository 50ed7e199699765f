"""The public API: every exported name imports, nothing private leaks, ``__version__``.

After httpx's "all imports are exported" test: for the top package and each question
package, ``__all__`` lists exactly the public names defined or re-exported there.
"""

from __future__ import annotations

import importlib
import types
from importlib.metadata import version

import pytest

import bubblescope as bs

PACKAGES = ("bubblescope", "bubblescope.size", "bubblescope.signals", "bubblescope.stress")


def _public(module: types.ModuleType) -> set[str]:
    """Names a user sees in ``vars(module)``: not private, not submodules, not typing aids."""
    return {name for name, value in vars(module).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType)
            and name != "annotations"}


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_import_and_nothing_else_is_public(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    for item in exported:
        assert getattr(module, item) is not None, f"{name}.{item}"
    assert _public(module) <= exported, f"{name} leaks {_public(module) - exported}"
    assert len(set(module.__all__)) == len(module.__all__), f"{name}: __all__ repeats a name"


def test_version_comes_from_the_installed_metadata() -> None:
    assert bs.__version__ == version("bubblescope")
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = bs.nope  # type: ignore[attr-defined]


def test_question_packages_load_on_first_use() -> None:
    assert bs.stress.run is importlib.import_module("bubblescope.stress").run  # type: ignore[attr-defined]
    assert set(bs.QUESTIONS) <= {n.rsplit(".", 1)[-1] for n in PACKAGES}


def test_the_bubble_card_is_a_question_api() -> None:
    card = bs.size.card(bs.load_default())  # type: ignore[attr-defined]
    assert card.figures
    assert card.headline.startswith("How big")


def test_one_exception_tree() -> None:
    from bubblescope.dashboard.jobs import TooManyJobsError
    from bubblescope.model import errors
    from bubblescope.store.deal_legs import MissingAmountWarning

    assert issubclass(errors.DataError, ValueError)
    assert issubclass(errors.ScenarioError, ValueError)
    assert TooManyJobsError is errors.TooManyJobsError
    assert MissingAmountWarning is errors.MissingAmountWarning
    for name in errors.__all__:
        item = getattr(errors, name)
        if isinstance(item, type) and issubclass(item, Warning):
            assert issubclass(item, errors.DataQualityWarning), name
        elif isinstance(item, type) and issubclass(item, BaseException):
            assert issubclass(item, errors.BubblescopeError), name
    with pytest.raises(ValueError, match="1 problem"):
        raise errors.DataError.single("f.csv", 1, "x", "must be a number", "y")


def test_core_messages_do_not_name_cli_flags() -> None:
    import re
    from pathlib import Path

    root = Path(bs.__file__).parent
    flag = re.compile(r"""(Error|Issue)\(\s*f?["']--[a-z]""")
    offenders = [f"{p.relative_to(root)}:{i}"
                 for part in ("model", "size", "signals", "stress")
                 for p in (root / part).rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if flag.search(line)]
    assert offenders == []
