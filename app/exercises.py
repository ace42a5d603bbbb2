"""Auto-checked exercises: the student answers with a number or a choice, the core checks it.

A page's exercises live beside its lesson, in ``app/lessons/<page>_exercises.py``::

    EXERCISES = ExerciseSet("least-squares", (
        Exercise("cg-count", "How many CG iterations ...?", check=exact(lambda: 2), kind="int",
                 solution="CG ends in at most n = 2 steps ...", section="iterative"),
        Exercise("sd-step", "Choose t so that ...", check=my_check, tolerance="at most 50 iterations"),
    ))

and the page passes it to its lesson: ``Lesson(..., exercises=EXERCISES)``. An exercise's ``check`` gets the
student's answer and returns a :class:`Verdict`: ``correct``, ``almost`` (with what is off) or ``wrong`` (with a
hint). It computes with ``numdl_core`` (runs the solver with the student's step, counts the iterations, ...): the
answers are computed, not stored. The worked ``solution`` is shown on request.

Progress (no accounts): the exercises solved in this browser tab are kept in the session and in the URL of every
page (``?done=least-squares/cg-count,...``), so a bookmark keeps them; the Home page shows them per page and
saves / loads them as a small JSON file. Nothing read from a URL or a file is evaluated: only known exercise ids
are kept.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

__all__ = ["Verdict", "Exercise", "ExerciseSet", "exact", "close_to", "all_sets", "known_ids",
           "parse_progress", "progress_json", "parse_done", "format_done", "DONE_KEY"]

DONE_KEY = "_exercises.done"  # session state: the set of solved exercise ids ("page/name")
URL_KEY = "done"  # the URL key of the progress (a global key of the app shell, see app.params.GLOBAL_KEYS)
MAX_PROGRESS_BYTES = 20_000


@dataclass(frozen=True)
class Verdict:
    """What the check says: ``status`` is ``"correct"``, ``"almost"`` or ``"wrong"``; ``message`` says why."""

    status: str
    message: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correct"


@dataclass(frozen=True)
class Exercise:
    """One computed exercise.

    Parameters
    ----------
    name : str
        Its id on the page (letters, digits and ``-``); progress is kept as ``page/name``.
    question : str
        What to find (markdown).
    check : callable
        ``check(answer) -> Verdict``, computed with ``numdl_core``.
    solution : str or callable
        The worked solution (markdown), or a function that computes it.
    kind : {"float", "int", "choice"}
        The answer widget: a number, a whole number, or one of ``options``.
    options : sequence
        The choices (``kind="choice"``); ``labels`` names them.
    tolerance : str
        What counts as right, stated to the student ("within 5 %", "at most 50 iterations").
    hint : str
        Shown with a wrong or almost-right answer.
    section : str, optional
        The page section it belongs to (shown there); ``None``: every section.
    lo, hi : float, optional
        Bounds of the number input.
    """

    name: str
    question: str
    check: Callable[[Any], Verdict]
    solution: str | Callable[[], str]
    kind: str = "float"
    options: Sequence[Any] = ()
    labels: dict = field(default_factory=dict)
    tolerance: str = ""
    hint: str = ""
    section: str | None = None
    label: str = "Your answer"
    lo: float | None = None
    hi: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("float", "int", "choice"):
            raise ValueError(f"Exercise {self.name!r}: kind must be 'float', 'int' or 'choice', not {self.kind!r}")
        if self.kind == "choice" and not self.options:
            raise ValueError(f"Exercise {self.name!r}: a choice needs options")
        if not self.name or not all(c.isalnum() or c == "-" for c in self.name):
            raise ValueError(f"Exercise name {self.name!r}: use letters, digits and '-' only")

    def solution_text(self) -> str:
        return self.solution() if callable(self.solution) else self.solution

    def grade(self, answer: Any) -> Verdict:
        """``check(answer)``, with an answer of the wrong kind or out of range told as such (never an exception)."""
        if answer is None:
            return Verdict("wrong", "Enter an answer first.")
        if self.kind == "choice":
            if answer not in list(self.options):
                return Verdict("wrong", "Choose one of the options.")
        else:
            try:
                answer = int(answer) if self.kind == "int" else float(answer)
            except (TypeError, ValueError, OverflowError):
                return Verdict("wrong", "That is not a number.")
            if answer != answer or answer in (float("inf"), float("-inf")):
                return Verdict("wrong", "Enter a finite number.")
        return self.check(answer)


@dataclass(frozen=True)
class ExerciseSet:
    """The exercises of one page, ``page`` being its URL path (``app.catalog.Entry.url_path``)."""

    page: str
    exercises: tuple[Exercise, ...]

    def __post_init__(self) -> None:
        names = [e.name for e in self.exercises]
        if len(set(names)) != len(names):
            raise ValueError(f"ExerciseSet {self.page!r}: exercise names must be unique, got {names}")

    def ids(self) -> list[str]:
        return [f"{self.page}/{e.name}" for e in self.exercises]

    def in_section(self, section: str | None) -> list[Exercise]:
        return [e for e in self.exercises if e.section is None or section is None or e.section == section]


# -- checks ---------------------------------------------------------------------------------------------------------
def exact(target: Callable[[], float] | float, *, hint: str = "") -> Callable[[Any], Verdict]:
    """A check for a whole number (a count of iterations, a rank): right only if equal; off by one is "almost"."""

    def check(answer: Any) -> Verdict:
        t = int(round(target() if callable(target) else target))
        if int(answer) == t:
            return Verdict("correct", f"It is {t}.")
        if abs(int(answer) - t) == 1:
            return Verdict("almost", f"{int(answer)} is off by one. {hint}".strip())
        return Verdict("wrong", f"{int(answer)} is not it. {hint}".strip())

    return check


def close_to(target: Callable[[], float] | float, *, rtol: float = 0.05, almost: float = 4.0, hint: str = "",
             fmt: str = ".3g") -> Callable[[Any], Verdict]:
    """A check for a number: right within relative tolerance ``rtol``, "almost" within ``almost * rtol``."""

    def check(answer: Any) -> Verdict:
        t = float(target() if callable(target) else target)
        a = float(answer)
        rel = abs(a - t) / max(abs(t), 1e-300)
        if rel <= rtol:
            return Verdict("correct", f"The computed value is {t:{fmt}}.")
        if rel <= almost * rtol:
            side = "high" if a > t else "low"
            return Verdict("almost", f"{a:{fmt}} is {100 * rel:.0f} % too {side} (the tolerance is "
                                     f"{100 * rtol:.0f} %). {hint}".strip())
        return Verdict("wrong", f"{a:{fmt}} is far from it. {hint}".strip())

    return check


# -- the registry of every page's exercises ---------------------------------------------------------------------------
@lru_cache(maxsize=1)
def all_sets() -> tuple[ExerciseSet, ...]:
    """Every ``EXERCISES`` of the modules ``app.lessons.*_exercises`` (importing them draws nothing)."""
    import app.lessons as lessons

    out = []
    for mod in pkgutil.iter_modules(lessons.__path__):
        if mod.name.endswith("_exercises"):
            s = getattr(importlib.import_module(f"app.lessons.{mod.name}"), "EXERCISES", None)
            if isinstance(s, ExerciseSet):
                out.append(s)
    return tuple(out)


def known_ids() -> frozenset[str]:
    return frozenset(i for s in all_sets() for i in s.ids())


# -- progress in the URL and in a file ------------------------------------------------------------------------------
def parse_done(values: Iterable[str], known: frozenset[str] | None = None) -> tuple[set[str], list[str]]:
    """The exercise ids of ``?done=`` values (comma-separated); returns (known ids, ignored pieces)."""
    known = known_ids() if known is None else known
    done, ignored = set(), []
    for v in values:
        for piece in str(v)[:MAX_PROGRESS_BYTES].split(","):
            piece = piece.strip()
            if not piece:
                continue
            (done.add if piece in known else ignored.append)(piece)
    return done, ignored


def format_done(done: Iterable[str]) -> str:
    return ",".join(sorted(done))


def progress_json(done: Iterable[str]) -> bytes:
    """The progress file: ``{"app": "NumDL Studio", "version": 1, "done": [...]}``."""
    return json.dumps({"app": "NumDL Studio", "version": 1, "done": sorted(done)}, indent=1).encode()


def parse_progress(data: bytes, known: frozenset[str] | None = None) -> tuple[set[str], list[str]]:
    """Read a progress file strictly; returns (known ids, unknown ids ignored). Raises ``ValueError`` saying what
    is wrong with a file that is not one."""
    known = known_ids() if known is None else known
    if not data:
        raise ValueError("The file is empty.")
    if len(data) > MAX_PROGRESS_BYTES:
        raise ValueError(f"The file is too large ({len(data):,} bytes; a progress file is under "
                         f"{MAX_PROGRESS_BYTES:,}).")
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("The file is not text (UTF-8): is it the progress file saved from this app?") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"The file is not valid JSON (line {err.lineno}: {err.msg}).") from None
    if not isinstance(obj, dict) or obj.get("app") != "NumDL Studio" or "done" not in obj:
        raise ValueError('This is not a NumDL Studio progress file (it needs "app": "NumDL Studio" and "done").')
    if obj.get("version") != 1:
        raise ValueError(f"Unknown progress file version {obj.get('version')!r} (this app reads version 1).")
    if not isinstance(obj["done"], list) or not all(isinstance(x, str) for x in obj["done"]):
        raise ValueError('"done" must be a list of exercise ids (strings).')
    done = {x for x in obj["done"] if x in known}
    return done, sorted(set(obj["done"]) - done)
