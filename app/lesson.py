"""The lesson kit: a page declares its lesson; this module wires it.

A page is read top to bottom like the lecture::

    lesson = Lesson("lstsq", "Linear least squares", presets=PRESETS, slides="02-LinearLeastSquares.tex")
    lesson.theory(TEXT, EQUATIONS, REFERENCE)
    section = lesson.sections(SECTIONS)
    p = lesson.controls(PARAMS, columns=3)                 # the plain parameter dict of this section
    run = lesson.live("iter", {"SD": Solver("lstsq.steepest_descent", A, b)}, draw)   # Play / Step / Reset
    lesson.numbers({"measured rate": rate})                # headline numbers: shown, exported, tested
    lesson.try_this()                                      # the experiments of this section
    lesson.export(SCRIPT, run=run)                         # CSV, NPZ and a runnable script of this experiment
    lesson.finish()                                        # the URL, and notes about bad links

What the kit does once for every page:

- parameters with roles (``Param.role``: *structure* restarts a live run, *tunable* is sent into the running
  solver, *view* only redraws), mirrored in the URL, clamped with a note when tampered with;
- instructor links: ``?hide=``, ``?lock=``, ``?preset=`` (the page's :class:`~app.panels.Experiment` with a
  ``name`` are its presets);
- live runs from the solver registry (:class:`~app.live.Solver`), fed with the section's parameter dict;
- the export panel: the run's history as CSV, its arrays as NPZ, and a script that redoes the experiment with
  ``numdl_core`` from the same parameter dict and prints the same headline numbers as the page.
"""
from __future__ import annotations

import csv
import inspect
import io
import pprint
import re
from contextlib import nullcontext
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import streamlit as st

from app.exercise_panel import exercise_panel, sync_progress_url
from app.exercises import ExerciseSet
from app.live import Run, Solver, live_run
from app.panels import Experiment, check_panel, panel_open, presenting, theory, try_this
from app.params import PageParams, Param
from app.tour import tour_bar

__all__ = ["Lesson", "Solver", "Experiment", "Param", "display_title", "script_text", "call_script", "history_csv",
           "arrays_npz", "EXPORT_KEY"]

_LEADING_SYMBOL = re.compile(r"^\s*[^\w\s]+\s+")
EXPORT_KEY = "_lesson.export"  # session state: {page key: {"script", "numbers", "section"}} (read by the tests)


class Lesson:
    """One page's lesson: its controls, sections, live runs, checks, presets and export.

    Parameters
    ----------
    key : str
        Prefix of every widget and state key of the page (unique in the app).
    title : str
        The page title. A leading emoji ("📐 Linear least squares") is not drawn (:func:`display_title`): it
        would show as an empty box on machines without an emoji font; ``self.title`` keeps it.
    presets : sequence of Experiment
        The page's guided experiments, in the order of its "Try this" panels; those with a ``name`` can be
        opened with ``?preset=name``. On a page with sections each names its own in ``settings["section"]``.
    slides : str, optional
        The course slide file the page follows, named in its theory panel.
    exercises : ExerciseSet, optional
        The page's auto-checked exercises (``app/lessons/<page>_exercises.py``), shown by :meth:`finish` for the
        current section.
    tour : sequence of str
        The lecture tour: names of presets in the lecturer's order (:mod:`app.tour`), stepped through with
        Previous / Next (keys ← / →); ``?tour=1`` opens it.
    """

    def __init__(self, key: str, title: str, *, presets: Sequence[Experiment] = (), slides: str | None = None,
                 exercises: ExerciseSet | None = None, tour: Sequence[str] = ()):
        self.key = key
        self.title = title
        self.slides = slides
        self.experiments = tuple(presets)
        self.presets = {e.name: e for e in presets if e.name}
        self.pp = PageParams(key, presets={n: e.settings for n, e in self.presets.items()})
        self.scope = ""
        self.section: str | None = None
        self._values: dict[str, Any] = {}
        self._numbers: dict[str, float] = {}
        self._live_slot: tuple[Any, Any] | None = None  # presenting: (container, empty slot) after the last controls
        st.title(display_title(title))
        self.exercises = exercises
        unknown = [n for n in tour if n not in self.presets]
        if unknown:
            raise ValueError(f"Lesson {key!r}: tour steps {unknown} are not presets of the page")
        self.tour_step = tour_bar(key, self.pp, [self.presets[n] for n in tour]) if tour else None

    # ------------------------------------------------------------------ reading order of a page
    def theory(self, text: str, equations: Sequence[str] = (), reference: str | None = None, *,
               title: str = "Theory") -> None:
        """The theory panel (collapsed when presenting), naming the slides the page follows."""
        if self.slides:
            reference = (reference + "; " if reference else "") + f"slides: {self.slides}"
        theory(text, equations, reference, title=title)

    def sections(self, sections: Mapping[str, str], default: str | None = None) -> str:
        """The section switch (a segmented control named ``section`` in the URL); later controls are scoped to it."""
        param = Param("section", "Experiment", "choice", default or next(iter(sections)), options=tuple(sections),
                      labels=dict(sections), widget="segmented")
        self.section = self.pp.controls([param])["section"]
        self.scope = self.section
        return self.section

    def controls(self, params: Sequence[Param], container: Any = None, *, columns: int = 1,
                 widths: Sequence[float] | None = None, disabled: Sequence[str] = ()) -> dict[str, Any]:
        """Draw ``params`` (in the current section's scope) and return their values as a plain dict."""
        out = self.pp.controls(params, container, columns=columns, scope=self.scope, widths=widths,
                               disabled=disabled)
        self._values.update(out)
        if container is None and presenting():  # a place for a live run right under these controls
            self._live_slot = (_current(), st.container())
        return out

    @property
    def params(self) -> dict[str, Any]:
        """Every value drawn so far in this run (the section's parameter dict, plus the section itself)."""
        return dict(self._values, **({"section": self.section} if self.section else {}))

    def by_role(self, role: str) -> dict[str, Any]:
        """The values drawn so far whose parameter has ``role`` (``structure``, ``tunable`` or ``view``)."""
        return {k: v for k, v in self.params.items()
                if k in self.pp.declared and self.pp.declared[k].role == role}

    def live(self, name: str, solvers: Mapping[str, Solver] | Callable, draw: Callable[[Run], None], *,
             depends: Mapping[str, Any] | None = None, **options: Any) -> Run:
        """A live run of ``solvers`` (``{series label: Solver}``) with Play / Pause / Step / Reset.

        The structural parameters drawn so far (plus ``depends``, e.g. derived values) restart it when they
        change; the tunable ones are sent into the running solvers. ``options`` go to :func:`app.live.live_run`
        (``metrics``, ``diverged_hint``, ``keep_path``, ``max_iter``, ``default_speed``, ``max_points``, ``per_step``).
        """
        structure = {**self.by_role("structure"), **dict(depends or {})}
        slot, self._live_slot = self._live_slot, None
        # presenting: Play and the picture right under the controls, the notes drawn since then below them
        here = slot[1] if slot is not None and slot[0] is not None and slot[0] is _current() else nullcontext()
        with here:
            return live_run(f"{self.key}.{self.scope or 'page'}.{name}", self.pp, solvers, draw, structure=structure,
                            tunables=self.by_role("tunable"), scope=self.scope, **options)

    def compare(self, name: str, make: Callable, params: Sequence[Param], alternative: Mapping[str, Any],
                **options: Any) -> Any:
        """The collapsed panel "Compare two settings": ``params`` drawn for A (the page's values) and B (A with
        ``alternative``); "Run both" runs ``make(params)`` for each and shows one table and one figure.
        ``options`` go to :func:`app.compare.compare_panel` (``max_iter``, ``target``, ``seconds``, labels)."""
        from app.compare import compare_panel

        view = self.by_role("view")  # redraws only: not part of the problem both sides share
        return compare_panel(f"{self.key}.{self.scope or 'page'}.cmp.{name}", make, params,
                             {k: v for k, v in self.params.items() if k not in view}, alternative,
                             widget=self.pp._widget, **options)

    def check(self, *results: Any, key: str | None = None, what: str | None = None) -> None:
        """Render check results (Taylor test, adjoint test, agreement with a reference) in one panel each;
        ``what`` names what a Taylor test checks (default "gradient")."""
        for i, r in enumerate(results):
            check_panel(r, key=f"{self.key}.{self.scope}.check{i}" if key is None else f"{key}.{i}", what=what)

    def numbers(self, numbers: Mapping[str, float], *, show: bool = False, columns: int | None = None) -> None:
        """Record the headline numbers of the experiment (the exported script prints the same); ``show`` draws
        them as metrics."""
        self._numbers.update({k: float(v) for k, v in numbers.items()})
        if show and numbers:
            cols = st.columns(columns or len(numbers))
            for (k, v), c in zip(numbers.items(), cols * (len(numbers) // len(cols) + 1)):
                c.metric(k, f"{v:.4g}")

    def remarks(self, result: Any) -> None:
        """A result's ``warnings`` (what failed without stopping it) as warnings and its ``notes`` as remarks."""
        for text in getattr(result, "warnings", ()):
            st.warning(text)
        for text in getattr(result, "notes", ()):
            st.info(text)

    def try_this(self, experiments: Sequence[Experiment] | None = None) -> None:
        """The "Try this" panel; a button sets each experiment's controls (in this section).

        By default the page's experiments of the current section (all of them on a page without sections).
        """
        if experiments is None:
            experiments = [e for e in self.experiments if not self.section or e.settings.get("section") == self.section]
        try_this(experiments, lambda settings: self.pp.apply(settings, scope=self.scope or None),
                 key=".".join(filter(None, (self.key, self.scope))))

    def export(self, script: str, *, run: Run | None = None, arrays: Mapping[str, np.ndarray] | None = None,
               extra: Mapping[str, Any] | None = None) -> str:
        """The export panel: the run's history (CSV), arrays (NPZ) and a runnable script (returned).

        ``script`` is the body of a Python script that uses ``params`` (this section's parameter dict, plus
        ``extra`` and, with a ``run``, ``params["iterations"]``: the iterations of each series) and ends by
        calling ``report({name: number})``, which prints ``name: value`` lines.
        """
        params = {k: v for k, v in self.params.items() if k != "speed"}
        if run is not None:
            params["iterations"] = {n: s.iteration for n, s in run.series.items()}
        params.update(extra or {})
        text = script_text(self.title, self.section, params, script, changed_mid_run=bool(run and run.events))
        st.session_state.setdefault(EXPORT_KEY, {})[self.key] = {
            "script": text, "numbers": dict(self._numbers), "section": self.section}
        stem = f"numdl_{self.key}" + (f"_{self.section}" if self.section else "")
        box = st.expander("Export this experiment", expanded=False, icon=":material/download:",
                          key=f"{self.key}.{self.scope}.export", on_change="rerun")
        with box:
            if not panel_open(box):  # drawn when opened: a class's first page runs skip the script and its files
                return text
            st.caption("A script that redoes this experiment with numdl_core (same parameters, same seed) and prints "
                       "the numbers shown here; the run's history and arrays for your own plots.")
            cols = st.columns(3)
            cols[0].download_button("Python script", text, file_name=f"{stem}.py", mime="text/x-python",
                                    key=f"{self.key}.{self.scope}.dl_py", on_click="ignore", width="stretch")
            if run is not None:
                cols[1].download_button("History (CSV)", lambda: history_csv(run), file_name=f"{stem}_history.csv",
                                        mime="text/csv", key=f"{self.key}.{self.scope}.dl_csv", on_click="ignore",
                                        width="stretch")
            if run is not None or arrays:
                cols[2].download_button("Arrays (NPZ)", lambda: arrays_npz(run, arrays),
                                        file_name=f"{stem}.npz", mime="application/octet-stream",
                                        key=f"{self.key}.{self.scope}.dl_npz", on_click="ignore", width="stretch")
            if not presenting():
                st.code(text, language="python")
        return text

    def finish(self) -> None:
        """The exercises of the section, the presets; write the parameters (and the exercise progress) to the URL
        and show the note about values of a link that could not be used."""
        if self.exercises is not None:
            exercise_panel(self.exercises, self.section, expanded=False)
        if self.presets:
            box = st.expander("Presets and instructor links", expanded=False, icon=":material/link:",
                              key=f"{self.key}.presets", on_change="rerun")
            with box:
                if panel_open(box):
                    st.markdown(
                        "Open a preset with `?preset=NAME`; hide controls with `?hide=a,b`; show them locked at the "
                        "URL's values with `?lock=a,b`.\n\n" + "\n".join(
                            f"- `{n}`: {e.title}" for n, e in self.presets.items()))
        sync_progress_url()
        self.pp.sync_url()


def display_title(title: str) -> str:
    """``title`` without a leading symbol token: "📐 Linear least squares" -> "Linear least squares".

    The token is a run of characters that are neither letters, digits nor spaces (an emoji, with its variation
    selector), followed by a space; a title that is only such a token is returned unchanged.
    """
    stripped = _LEADING_SYMBOL.sub("", title, count=1)
    return stripped or title


def _current() -> Any:
    """The container elements are drawn into now (Streamlit's ``_active_dg``; None if that internal is gone)."""
    return getattr(st._main, "_active_dg", None)


def script_text(title: str, section: str | None, params: Mapping[str, Any], body: str, *,
                changed_mid_run: bool = False) -> str:
    """A runnable script: a header, ``params`` as a literal, a ``report`` helper, then ``body``."""
    what = title.split(" ", 1)[-1] if title[:1] and not title[:1].isalnum() else title
    note = ("\n# Note: a tunable was changed while the run played; the script uses the final values from the start,\n"
            "# so its numbers can differ from the page's.\n" if changed_mid_run else "")
    literal = pprint.pformat(_plain(params), sort_dicts=False, width=100)
    return (f'"""NumDL Studio: {what}' + (f", section {section!r}" if section else "") + '.\n\n'
            "Redoes the experiment with numdl_core and prints the numbers the page shows. Run it from the NumDL Studio\n"
            'folder, or anywhere after `pip install .` there:  python this_script.py\n"""\n'
            f"params = {literal}\n{note}\n\n"
            "def report(numbers):\n"
            '    """Print each headline number as `name: value`."""\n'
            "    for name, value in numbers.items():\n"
            '        print(f"{name}: {value:.10g}")\n\n\n'
            + body.strip("\n") + "\n")


def call_script(fn: Callable) -> str:
    """A script body for :meth:`Lesson.export`: call ``fn`` (a ``numdl_core`` function) with the parameters of the
    same names and report the ``numbers`` of its result."""
    names = tuple(inspect.signature(fn).parameters)
    return (f"from {fn.__module__} import {fn.__name__}\n\n# the steps: help({fn.__name__})\n"
            f"result = {fn.__name__}(**{{name: params[name] for name in {names!r}}})\nreport(result.numbers)\n")


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


def history_csv(run: Run) -> bytes:
    """The run's recorded history, one row per recorded iteration and series."""
    columns = sorted({c for s in run.series.values() for c in s.history}, key=lambda c: (c != "iteration", c))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["series", *columns])
    for name, s in run.series.items():
        n = len(s.history.get("iteration", []))
        for i in range(n):
            w.writerow([name, *(s.history.get(c, [""] * n)[i] for c in columns)])
    return buf.getvalue().encode()


def arrays_npz(run: Run | None, arrays: Mapping[str, np.ndarray] | None = None) -> bytes:
    """The run's current iterates (``x/<series>``), histories (``history/<series>/<column>``) and ``arrays``."""
    out: dict[str, np.ndarray] = {k: np.asarray(v) for k, v in (arrays or {}).items()}
    if run is not None:
        for name, s in run.series.items():
            if s.last is not None:
                out[f"x/{name}"] = np.asarray(s.last.x)
            for c, values in s.history.items():
                out[f"history/{name}/{c}"] = np.asarray(values, dtype=float)
    buf = io.BytesIO()
    np.savez_compressed(buf, **out)
    return buf.getvalue()
