"""A page's controls as a plain dict, mirrored in the URL.

A page declares its controls as a list of :class:`Param`; :meth:`PageParams.controls` draws the widgets
and returns ``{name: value}``, the plain dict that goes to ``numdl_core`` (and to the tests, the URL and
the exported script). Every value is written to ``st.query_params`` so a copied URL reproduces the exact
experiment; values read from a URL are validated: out-of-range numbers are clamped, malformed values and unknown
names are ignored, and either is reported in a visible note.

Each :class:`Param` has a *role*: ``"structure"`` (changing it rebuilds the problem and restarts a live run: data
set, method, width), ``"tunable"`` (a running solver picks it up at its next iteration and keeps its state: step
size, regularization) or ``"view"`` (it only changes the picture).

Instructor links: ``?hide=a,b`` draws no widget for ``a`` and ``b`` (their URL or default values still apply),
``?lock=a,b`` shows them disabled at their URL values, ``?preset=NAME`` starts the page in a named state (the page's
presets; explicit URL values win over the preset). Unknown names are reported in the same note as bad values.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Sequence

import numpy as np
import streamlit as st

__all__ = ["Param", "PageParams", "log_options", "parse_value", "GLOBAL_KEYS", "ROLES", "SEED", "STEP", "ALPHA",
           "DATASET", "SPEED", "shown"]

GLOBAL_KEYS = frozenset({"present", "hide", "lock", "done", "tour"})  # URL keys owned by the app shell, not by a page's controls
ROLES = ("structure", "tunable", "view")
SHOWN_CHARS = 40  # a note quotes at most this many characters of a value or name taken from the URL
MAX_NOTES = 40  # notes listed about one link: every control of a page (up to 23 today), not hundreds of unknown names


def _page_query() -> dict[str, list[str]]:
    """The URL's values of a page's own controls (not the app shell's global keys)."""
    qp = st.query_params
    return {n: qp.get_all(n) for n in qp.keys() if n not in GLOBAL_KEYS}


def shown(raw: Any, limit: int = SHOWN_CHARS) -> str:
    """Text from the URL made safe to quote inside a Markdown code span of a note.

    Backticks become ``'`` (a backtick would end the code span, and what follows would be rendered as Markdown:
    links, images, emphasis); control and invisible characters (newlines would start a new Markdown block) are
    written as escapes (``\\n``); text longer than ``limit`` is cut, with its length.
    """
    text = str(raw)
    out = "".join("'" if ch == "`" else ch.encode("unicode_escape").decode("ascii")
                  if unicodedata.category(ch).startswith("C") else ch for ch in text[:limit])
    return out + (f"… ({len(text)} characters)" if len(text) > limit else "")


def log_options(lo: float, hi: float, per_decade: int = 4) -> tuple[float, ...]:
    """Log-spaced values from ``lo`` to ``hi`` with ``per_decade`` values per decade, rounded to 3 digits."""
    n = int(round(math.log10(hi / lo) * per_decade)) + 1
    return tuple(float(f"{v:.3g}") for v in np.logspace(math.log10(lo), math.log10(hi), n))


@dataclass(frozen=True)
class Param:
    """One control of a page.

    kind: ``"int"`` / ``"float"`` (slider from ``lo`` to ``hi`` by ``step``; with ``widget="number"`` a box to
    type a number in, clamped to the same range), ``"log"`` (select slider over
    ``options``, usually from :func:`log_options`), ``"choice"`` (``options``; ``widget`` "select", "radio" or
    "segmented"), ``"bool"`` (toggle).
    """

    name: str
    label: str
    kind: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    options: tuple = ()
    labels: dict = field(default_factory=dict)
    help: str | None = None
    widget: str = "select"
    fmt: str | None = None
    role: str = "structure"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Param {self.name!r}: role must be one of {ROLES}, got {self.role!r}")

    def but(self, **changes: Any) -> "Param":
        """A copy with some fields changed, e.g. ``SEED.but(hi=999)`` or ``STEP.but(default=0.1)``."""
        return replace(self, **changes)

    def clamp(self, value: Any) -> Any:
        if self.kind in ("int", "float"):
            lo = self.lo if self.lo is not None else value
            hi = self.hi if self.hi is not None else value
            v = min(max(value, lo), hi)
            return int(round(v)) if self.kind == "int" else float(v) + 0.0  # + 0.0: -0 is 0
        if self.kind == "log":
            return min(self.options, key=lambda o: abs(math.log(o) - math.log(value)) if value > 0 else abs(o - value))
        return value

    def to_url(self, value: Any) -> str:
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind in ("float", "log"):
            return f"{float(value):.6g}"
        return str(value)


def parse_value(p: Param, raw: str) -> tuple[Any, str | None]:
    """Turn a URL string into a valid value of ``p``: ``(value, note)``.

    ``value`` is ``None`` when ``raw`` is ignored; ``note`` says what was done (``None`` if nothing was wrong).
    """
    raw = str(raw).strip()
    q = shown(raw)  # how the note quotes it
    if p.kind == "bool":
        low = raw.lower()
        if low in ("1", "true", "yes", "on"):
            return True, None
        if low in ("0", "false", "no", "off"):
            return False, None
        return None, f"`{p.name}={q}` is not on/off (use 1 or 0): ignored."
    if p.kind == "choice":
        for o in p.options:
            if str(o) == raw:
                return o, None
        try:  # numeric options: "0.01", "1e-2" and "0.010" all mean 0.01
            num = float(raw)
            for o in p.options:
                if isinstance(o, (int, float)) and not isinstance(o, bool) and math.isclose(float(o), num, rel_tol=1e-9):
                    return o, None
        except ValueError:
            pass
        valid = ", ".join(str(o) for o in p.options)
        return None, f"`{p.name}={q}` is not one of {valid}: ignored."
    try:
        num = float(raw)
    except ValueError:
        return None, f"`{p.name}={q}` is not a number: ignored."
    if not math.isfinite(num):
        return None, f"`{p.name}={q}` is not a finite number: ignored."
    if p.kind == "int" and num != int(num):
        num = round(num)
    if p.kind == "log" and num <= 0:
        return p.options[0], f"`{p.name}={q}` must be positive: set to {p.options[0]:g}."
    v = p.clamp(num)
    if p.kind == "log":
        if num < p.options[0] * (1 - 1e-9) or num > p.options[-1] * (1 + 1e-9):
            return v, f"`{p.name}={q}` is outside {p.options[0]:g}..{p.options[-1]:g}: clamped to {v:g}."
        return v, None
    if v != num:
        return v, f"`{p.name}={q}` is outside {p.lo:g}..{p.hi:g}: clamped to {v:g}."
    return v, None


# Parameters that many pages share, defined once (adapt with ``Param.but``).
SEED = Param("seed", "Seed", "int", 0, lo=0, hi=99, help="Seeds the data and the initial guess: the same seed, the same run.")
STEP = Param("step", "Step size t", "log", 0.1, options=log_options(1e-4, 10.0, 4), role="tunable",
             help="Change it while the run plays: the solver keeps its state and uses the new step from the next iteration.")
ALPHA = Param("alpha", "Regularization α (λ in the notes)", "log", 1e-3, options=log_options(1e-8, 1e2, 2),
              role="tunable")
DATASET = Param("data", "Data set", "choice", "moons", options=("moons", "circles", "spirals", "blobs", "peaks"),
                widget="select")
SPEED = Param("speed", "Iterations per frame", "choice", 1, options=(1, 2, 5, 10, 20, 50, 100, 200), role="view",
              help="How many iterations each animation frame computes (about 10 frames per second).")


def _names(raw: Any) -> list[str]:
    """``"a,b, c"`` (or a list of such strings, as a repeated URL key gives) as ``["a", "b", "c"]``."""
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    return [n.strip() for item in items for n in str(item).split(",") if n.strip()]


def _fmt(p: Param):
    if p.kind == "log":
        return lambda v: p.fmt % v if p.fmt else f"{v:g}"
    if p.kind == "choice":
        return lambda v: p.labels.get(v, str(v))
    return None


class PageParams:
    """The controls of one page; ``key`` prefixes the widget keys (``f"{key}.{name}"``).

    Call :meth:`controls` any number of times (one call per group of widgets), then :meth:`sync_url` once at
    the end of the page script.
    """

    def __init__(self, key: str, presets: dict[str, dict] | None = None):
        self.key = key
        self.presets = dict(presets or {})
        self.values: dict[str, Any] = {}
        self.declared: dict[str, Param] = {}
        self._notes_key = f"_url_notes.{key}"
        if self._notes_key not in st.session_state:
            st.session_state[self._notes_key] = []
        self._note_box = st.container()  # notes about the URL appear here, at the top of the page
        # The URL is read only on the first run of the page: later, a widget that appears (another section)
        # starts at its default, not at a stale URL value of a widget of the same name.
        self._loaded_key = f"_url_loaded.{key}"
        self._written_key = f"_url_written.{key}"
        self.first_run = not st.session_state.get(self._loaded_key, False)
        written = st.session_state.get(self._written_key)
        self.relinked = not self.first_run and written is not None and _page_query() != written
        if self.relinked:  # a link brought new values (e.g. Home's search opening a section): read them again
            self.first_run = True
        self.scopes: dict[str, str] = {}
        self._links_key = f"_links.{key}"  # hide / lock / preset, read once from the URL
        if self.first_run or self._links_key not in st.session_state:
            st.session_state[self._links_key] = self._read_links()
        links = st.session_state[self._links_key]
        self.hidden: set[str] = set(links["hide"])
        self.locked: set[str] = set(links["lock"])
        self.preset: dict = links["preset"]

    def _read_links(self) -> dict:
        qp = st.query_params
        links = {"hide": _names(qp.get_all("hide")), "lock": _names(qp.get_all("lock")), "preset": {}}
        name = qp.get("preset")
        if name is not None:
            if name in self.presets:
                links["preset"] = dict(self.presets[name])
            else:
                valid = ", ".join(self.presets) or "none on this page"
                st.session_state[self._notes_key].append(f"preset `{shown(name)}` is not a preset of this page "
                                                         f"(presets: {valid}): ignored.")
        return links

    def wkey(self, name: str, scope: str | None = None) -> str:
        scope = self.scopes.get(name) if scope is None else scope
        return f"{self.key}.{scope}.{name}" if scope else f"{self.key}.{name}"

    def _initial(self, p: Param) -> Any:
        """The starting value of a control: the URL's (validated), else the preset's, else the default."""
        qp = st.query_params
        if (self.first_run or p.name in self.locked or p.name in self.hidden) and p.name in qp:
            value, note = parse_value(p, qp[p.name])  # a repeated name: its last value
            if self.first_run:
                given = len(qp.get_all(p.name))
                if given > 1:
                    st.session_state[self._notes_key].append(
                        f"`{p.name}` is given {given} times: only the last value, `{shown(qp[p.name])}`, is read.")
                if note:
                    st.session_state[self._notes_key].append(note)
            if value is not None:
                return value
        if p.name in self.preset:
            value, note = parse_value(p, p.to_url(self.preset[p.name]))
            if value is not None:
                return value
        return p.default

    def controls(self, params: Sequence[Param], container: Any = None, *, columns: int = 1,
                 scope: str | None = None, widths: Sequence[float] | None = None,
                 disabled: Iterable[str] = ()) -> dict[str, Any]:
        """Draw the widgets of ``params`` (in ``columns`` columns of ``container``) and return their values.

        ``scope`` separates the widget keys of groups that reuse a name with another meaning (e.g. the
        sections of a page); the URL name stays ``Param.name``. ``widths`` gives relative column widths
        (one per column; segmented controls need room); ``disabled`` names controls shown greyed out
        because they do not apply to the current choice (their value is still returned and kept in the URL).
        """
        box = container if container is not None else st
        if widths is not None:
            columns = len(widths)
        cols = box.columns(list(widths) if widths is not None else columns) if columns > 1 else [box]
        off = set(disabled)
        out: dict[str, Any] = {}
        shown = [p for p in params if p.name not in self.hidden]
        for p in params:
            self.scopes[p.name] = scope or ""
            k = self.wkey(p.name)
            if p.name in self.locked:  # every run: a locked control cannot be moved (widget, button or state)
                st.session_state[k] = self._locked_value(p, k)
            elif k not in st.session_state or (self.relinked and p.name in st.query_params):
                st.session_state[k] = self._initial(p)
            if p.name in self.hidden:
                out[p.name] = st.session_state[k]
            else:
                where = cols[shown.index(p) % len(cols)]
                out[p.name] = self._widget(where, p, k, p.name in off or p.name in self.locked)
            self.declared[p.name] = p
        # The specs of this run's controls, for tests that try every corner of a page (tests/pages/test_fuzz.py).
        st.session_state[f"_declared.{self.key}"] = dict(self.declared)
        self.values.update(out)
        return out

    def _locked_value(self, p: Param, k: str) -> Any:
        store = f"_locked.{k}"
        if store not in st.session_state:
            st.session_state[store] = self._initial(p)
        return st.session_state[store]

    def _widget(self, where: Any, p: Param, k: str, off: bool = False) -> Any:
        common = dict(key=k, help=p.help, disabled=off)
        if p.widget == "number" and p.kind in ("int", "float"):  # a box to type in, clamped to [lo, hi]
            cast = int if p.kind == "int" else float
            return cast(where.number_input(p.label, cast(p.lo), cast(p.hi), step=cast(p.step or 1), format=p.fmt,
                                           **common))
        if p.kind == "int":
            return int(where.slider(p.label, int(p.lo), int(p.hi), step=int(p.step or 1), **common))
        if p.kind == "float":
            return float(where.slider(p.label, float(p.lo), float(p.hi), step=p.step, format=p.fmt, **common))
        if p.kind == "log":
            return float(where.select_slider(p.label, options=list(p.options), format_func=_fmt(p), **common))
        if p.kind == "bool":
            return bool(where.toggle(p.label, **common))
        if p.widget == "radio":
            return where.radio(p.label, list(p.options), format_func=_fmt(p), horizontal=True, **common)
        if p.widget == "segmented":
            v = where.segmented_control(p.label, list(p.options), format_func=_fmt(p), required=True, **common)
            return p.default if v is None else v
        return where.selectbox(p.label, list(p.options), format_func=_fmt(p), **common)

    def apply(self, settings: dict[str, Any], scope: str | None = None) -> None:
        """Set widgets to ``settings`` (for "Try this" buttons; call from an ``on_click`` callback).

        ``scope`` names the group of a control that is not on screen yet (e.g. another section's).
        """
        for name, value in settings.items():
            if name not in self.locked:
                st.session_state[self.wkey(name, scope)] = value

    def reset(self, params: Iterable[Param]) -> None:
        """Put the given controls back to their defaults (call from an ``on_click`` callback)."""
        for p in params:
            st.session_state[self.wkey(p.name)] = p.default

    def _dismiss(self) -> None:
        st.session_state[self._notes_key] = []

    def _show_notes(self) -> None:
        notes = st.session_state.get(self._notes_key) or []
        if notes:
            with self._note_box:
                more = len(notes) - MAX_NOTES
                st.warning(
                    "**This link had values that could not be used as they were.**\n\n"
                    + "\n".join(f"- {n}" for n in notes[:MAX_NOTES])
                    + (f"\n- … and {more} more." if more > 0 else "")
                )
                st.button("Dismiss", key=f"{self.key}._dismiss_notes", on_click=self._dismiss)

    def sync_url(self) -> None:
        """Write every declared value to the URL; drop (with a note) names that no control of this page has.

        Global keys (:data:`GLOBAL_KEYS`, e.g. presentation mode) are left alone.
        """
        qp = st.query_params
        wanted = {name: self.declared[name].to_url(v) for name, v in self.values.items()}
        if self.first_run:
            for what, names in (("hide", self.hidden), ("lock", self.locked)):
                for name in sorted(names - set(self.declared)):
                    st.session_state[self._notes_key].append(
                        f"`{what}={shown(name)}`: this page has no control named `{shown(name)}` here: ignored.")
        current = {name: qp.get_all(name) for name in qp.keys()}
        final: dict[str, str | list[str]] = {}
        for name, values in current.items():
            if name in GLOBAL_KEYS:
                final[name] = values if len(values) > 1 else values[0]
            elif name not in wanted and self.first_run and name != "preset":
                st.session_state[self._notes_key].append(f"`{shown(name)}` is not a control of this page: ignored.")
        final.update(wanted)  # one value per name
        if final != {name: v if len(v) > 1 else v[0] for name, v in current.items() if v}:
            qp.from_dict(final)  # one message to the browser (a write per name would send one each)
        st.session_state[self._loaded_key] = True
        st.session_state[self._written_key] = {n: [v] if isinstance(v, str) else list(v) for n, v in final.items()
                                               if n not in GLOBAL_KEYS}
        self._show_notes()
