"""Compare mode on a page whose problem depends on more than its controls (issue 14).

:meth:`app.lesson.Lesson.compare` keys its stored results by the page's parameters. A 2-D page with the "own data"
editor (:mod:`app.owndata`) computes on the student's points when there are some: ``depends`` (e.g.
``{"own_data": source}``, the token :func:`app.owndata.own_data` returns) joins the key, so a result on other points
is never shown as this one's, and ``make`` builds the configuration on the points the page uses.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from app.compare import Outcome, compare_panel
from app.params import Param

__all__ = ["compare_on"]


def compare_on(lesson: Any, name: str, make: Callable[[dict], Any], params: Sequence[Param],
               alternative: Mapping[str, Any], depends: Mapping[str, Any] | None = None,
               **options: Any) -> list[Outcome] | None:
    """:meth:`Lesson.compare <app.lesson.Lesson.compare>` with ``depends`` (values that are not controls, such as
    the own-data token) in the problem both sides share; same panel key (``<page>.<section>.cmp.<name>``)."""
    view = lesson.by_role("view")
    current = {k: v for k, v in lesson.params.items() if k not in view} | dict(depends or {})
    return compare_panel(f"{lesson.key}.{lesson.scope or 'page'}.cmp.{name}", make, params, current, alternative,
                         widget=lesson.pp._widget, **options)
