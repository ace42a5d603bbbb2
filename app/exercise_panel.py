"""The exercises on a page and the progress on Home (the Streamlit side of :mod:`app.exercises`)."""
from __future__ import annotations

from typing import Any

import streamlit as st

from app.exercises import (DONE_KEY, URL_KEY, Exercise, ExerciseSet, Verdict, all_sets, format_done, parse_done,
                           parse_progress, progress_json)
from app.panels import panel_open

__all__ = ["exercise_panel", "progress_panel", "solved", "sync_progress_url"]

_LOADED_KEY = "_exercises.loaded"  # the URL's progress was read in this session
_NOTE_KEY = "_exercises.note"


def solved() -> set[str]:
    """The exercise ids solved in this session, merged once with the URL's ``?done=``."""
    done = st.session_state.setdefault(DONE_KEY, set())
    if not st.session_state.get(_LOADED_KEY):
        st.session_state[_LOADED_KEY] = True
        found, ignored = parse_done(st.query_params.get_all(URL_KEY))
        done |= found
        if ignored:
            shown = ", ".join(f"`{i[:40]}`" for i in ignored[:5])
            st.session_state[_NOTE_KEY] = f"`done=` named exercises this app does not have ({shown}): ignored."
    return done


def sync_progress_url() -> None:
    """Keep ``?done=`` in the URL of the page (a bookmark keeps the progress); call before the page's URL sync."""
    done = solved()
    want = format_done(done)
    if want and st.query_params.get(URL_KEY) != want:
        st.query_params[URL_KEY] = want
    elif not want and URL_KEY in st.query_params:
        del st.query_params[URL_KEY]


def _verdict(v: Verdict, hint: str) -> None:
    if v.status == "correct":
        st.success(f"**Correct.** {v.message}", icon=":material/check_circle:")
    elif v.status == "almost":
        st.warning(f"**Almost.** {v.message}" + (f" *Hint:* {hint}" if hint and hint not in v.message else ""),
                   icon=":material/pending:")
    else:
        st.error(f"**Not yet.** {v.message}" + (f" *Hint:* {hint}" if hint and hint not in v.message else ""),
                 icon=":material/cancel:")


def _answer_widget(ex: Exercise, key: str) -> Any:
    if ex.kind == "choice":
        return st.radio(ex.label, list(ex.options), index=None, key=f"{key}.answer", horizontal=True,
                        format_func=lambda o: str(ex.labels.get(o, o)))
    if ex.kind == "int":
        return st.number_input(ex.label, value=None, step=1, key=f"{key}.answer", placeholder="a whole number",
                               min_value=None if ex.lo is None else int(ex.lo),
                               max_value=None if ex.hi is None else int(ex.hi))
    return st.number_input(ex.label, value=None, key=f"{key}.answer", format="%g", placeholder="a number",
                           min_value=ex.lo, max_value=ex.hi)


def _grade(ex: Exercise, ident: str, key: str) -> None:
    """The Check button's callback (before the page runs, so the counts above already include it)."""
    v = ex.grade(st.session_state.get(f"{key}.answer"))
    st.session_state[f"{key}.verdict"] = v
    if v.correct:
        solved().add(ident)


def _one(exset: ExerciseSet, ex: Exercise, i: int) -> None:
    ident = f"{exset.page}/{ex.name}"
    key = f"_ex.{ident}"
    mark = " ✔" if ident in solved() else ""
    st.markdown(f"**Exercise {i}.{mark}** {ex.question}")
    if ex.tolerance:
        st.caption(f"Counted right: {ex.tolerance}.")
    with st.form(key=f"{key}.form", border=False):
        _answer_widget(ex, key)
        st.form_submit_button("Check", icon=":material/task_alt:", on_click=_grade, args=(ex, ident, key))
    v = st.session_state.get(f"{key}.verdict")
    if v is not None:
        _verdict(v, ex.hint)
    if st.toggle("Show the worked solution", key=f"{key}.solution"):
        st.info(ex.solution_text(), icon=":material/school:")


def exercise_panel(exset: ExerciseSet, section: str | None, *, expanded: bool = False) -> None:
    """The page's exercises (those of ``section`` and the page-wide ones), with their checks and solutions."""
    here = exset.in_section(section)
    if not here:
        return
    done = solved()
    n_done = sum(f"{exset.page}/{e.name}" in done for e in here)
    box = st.expander(f"Exercises ({n_done} of {len(here)} solved)", expanded=expanded, icon=":material/edit_note:",
                      key=f"_ex.{exset.page}.{section}.panel", on_change="rerun")  # keyed: it stays open when the
    with box:  # count changes; drawn when opened (a class's first page runs skip it)
        if not panel_open(box):
            return
        st.caption("Answer with a number or a choice; the app checks it with the same numerics the page uses. "
                   "Solved exercises are kept in this page's URL (bookmark it) and on the Home page.")
        for i, ex in enumerate(here, 1):
            _one(exset, ex, i)


def progress_panel() -> None:
    """Home: exercises solved per page, and the progress saved to / loaded from a file."""
    from app.catalog import available

    done = solved()
    note = st.session_state.pop(_NOTE_KEY, None)
    if note:
        st.warning(note)
    sets = {s.page: s for s in all_sets()}
    entries = [e for e in available() if e.url_path in sets]
    total = sum(len(sets[e.url_path].exercises) for e in entries)
    n = sum(i in done for e in entries for i in sets[e.url_path].ids())
    st.header("Your exercises")
    st.caption(f"{n} of {total} solved. No account: the progress is in this tab, in the URL (`?done=`) and in a "
               "file you can save and load tomorrow.")
    cols = st.columns(2)
    for k, e in enumerate(entries):
        ids = sets[e.url_path].ids()
        k_done = sum(i in done for i in ids)
        with cols[k % 2]:
            st.progress(k_done / len(ids), text=f"{e.title}: {k_done} of {len(ids)}")
    c1, c2 = st.columns(2)
    c1.download_button("Save my progress", progress_json(done), file_name="numdl_progress.json",
                       mime="application/json", icon=":material/download:", on_click="ignore")
    up = c2.file_uploader("Load a progress file", type=["json"], key="_exercises.upload",
                          help="The numdl_progress.json saved here before.")
    if up is not None:
        try:
            found, unknown = parse_progress(up.getvalue())
        except ValueError as err:
            st.error(f"Could not load this file: {err}")
        else:
            new = found - done
            done |= found
            st.success(f"Loaded {len(found)} solved exercises ({len(new)} new)."
                       + (f" {len(unknown)} unknown ids were ignored." if unknown else ""))
    sync_progress_url()
