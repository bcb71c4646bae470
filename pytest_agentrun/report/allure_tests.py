"""How each test reads in Allure: a title that carries its criterion ID, and teardown steps a reader
can name (no `fixture::<lambda>`, no `fixture::1`). Labels (epic/feature/story) are in labels.py.

pytest registers its own post-finalizer as a lambda and yield-fixtures' teardown as a partial;
allure-pytest wraps every finalizer as a step named after `__name__` (or the index). Registered
only when allure-pytest is active, this outermost wrapper unwraps pytest's lambda (it still runs,
without a step) and names a fixture's own teardown `fixture::teardown`.
"""

from __future__ import annotations

import pytest

from ..verdict.outcome import criteria_of


def title(item: pytest.Item) -> str | None:
    """The test's docstring summary when it names its criterion (the suite's convention), else ID: name."""
    ids = criteria_of(item)
    if not ids:
        return None
    doc = (getattr(getattr(item, "obj", None), "__doc__", None) or "").strip().splitlines()
    summary = doc[0].strip() if doc else ""
    if summary and all(cid in summary for cid in ids):
        return summary
    return f"{', '.join(ids)}: {summary or item.name}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    named = title(item)
    if named:
        import allure

        allure.dynamic.title(named)  # set after allure-pytest's own name (set at setup)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    yield
    try:
        from allure_commons._allure import fixture as allure_fixture
    except ImportError:
        return
    finalizers = getattr(fixturedef, "_finalizers", [])
    for index, finalizer in enumerate(finalizers):
        if not isinstance(finalizer, allure_fixture):
            continue
        inner = finalizer._fixture_function
        if getattr(inner, "__name__", None) == "<lambda>":
            finalizers[index] = inner
        elif not hasattr(inner, "__name__"):
            finalizer._name = f"{fixturedef.argname}::teardown"
