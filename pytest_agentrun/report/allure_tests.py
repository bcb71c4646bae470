"""How each test reads in Allure: its criterion's title in the judged lane's words, and teardown
steps a reader can name (no `fixture::<lambda>`, no `fixture::1`). Labels are in labels.py.

pytest registers its own post-finalizer as a lambda and yield-fixtures' teardown as a partial;
allure-pytest wraps every finalizer as a step named after `__name__` (or the index). Registered
only when allure-pytest is active, this outermost wrapper unwraps pytest's lambda (it still runs,
without a step) and names a fixture's own teardown `fixture::teardown`.
"""

from __future__ import annotations

import pytest

from ..catalogue.criteria import catalogue
from ..verdict.outcome import criteria_of


def title(item: pytest.Item) -> str | None:
    """The test's criteria as the judged lane's catalogue words them (`RT-02: ...`), never its
    docstring: a docstring carries the names of the lane it was written for (v0.1)."""
    ids = criteria_of(item)
    if not ids:
        return None
    known = catalogue()
    return "; ".join(known[cid].title if cid in known else f"{cid}: {item.name}" for cid in ids)


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
