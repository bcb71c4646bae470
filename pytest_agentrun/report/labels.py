"""Per-test report metadata derived from the criterion marker: JUnit property and Allure labels."""

from __future__ import annotations

import pytest

from ..catalogue.criteria import catalogue
from ..verdict.outcome import criteria_of


def criterion_url(base: str, cid: str) -> str:
    """Where a reviewer reads the criterion: its row in criteria.md (a text
    fragment finds the row)."""
    return f"{base}#:~:text={cid}"


def label_item(item: pytest.Item, spec_base: str) -> None:
    ids = criteria_of(item)
    known = catalogue()
    for cid in ids:
        if cid not in known:
            raise pytest.UsageError(
                f"{item.nodeid}: criterion {cid!r} is not in the catalogue (data/criteria.yaml)"
            )
        item.user_properties.append(("criterion", cid))
        item.extra_keyword_matches.add(cid)  # `-k RT-02` selects RT-02's tests
        if not item.config.pluginmanager.hasplugin("allure_pytest"):
            continue  # -p no:allure_pytest: its markers are unknown (and fail --strict-markers)
        criterion = known[cid]
        item.add_marker(pytest.mark.allure_label(criterion.level, label_type="epic"))
        item.add_marker(pytest.mark.allure_label(criterion.section, label_type="feature"))
        item.add_marker(pytest.mark.allure_label(cid, label_type="story"))
        item.add_marker(
            pytest.mark.allure_link(
                criterion_url(spec_base, cid),
                link_type="link",
                name=f"{cid} in criteria.md ({criterion.section})",
            )
        )


def truth_order(item: pytest.Item) -> int:
    """Sort key: the catalogue's order is truth order; tests of no criterion go last."""
    ids = criteria_of(item)
    known = catalogue()
    return min((known[c].order for c in ids if c in known), default=10_000)
