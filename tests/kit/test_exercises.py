"""Auto-checked exercises (app/exercises.py), the progress (URL and file) and the lecture tour (app/tour.py)."""
from __future__ import annotations

import importlib
import json

import pytest

from app.catalog import available
from app.exercises import (Exercise, ExerciseSet, Verdict, all_sets, close_to, exact, known_ids, parse_done,
                           parse_progress, progress_json)
from app.tour import parse_step
from tests.pages.helpers import assert_clean, page, texts

SETS = all_sets()


def test_every_page_has_at_least_two_exercises():
    pages = {s.page: len(s.exercises) for s in SETS}
    missing = {e.url_path: pages.get(e.url_path, 0) for e in available() if pages.get(e.url_path, 0) < 2}
    assert not missing, f"pages with fewer than 2 exercises: {missing}"


def test_exercise_sets_name_catalog_pages():
    assert {s.page for s in SETS} <= {e.url_path for e in available()}


@pytest.mark.parametrize("exset", SETS, ids=lambda s: s.page)
def test_a_right_answer_passes_and_a_wrong_one_fails(exset):
    """Every exercise module gives a right and a wrong answer per exercise (``EXAMPLES``); the core grades them."""
    mod = importlib.import_module(next(m for m in _modules() if getattr(importlib.import_module(m), "EXERCISES",
                                                                         None) is exset))
    examples = mod.EXAMPLES
    assert set(examples) == {e.name for e in exset.exercises}
    for ex in exset.exercises:
        right, wrong = examples[ex.name]
        assert ex.grade(right).status == "correct", (ex.name, ex.grade(right))
        v = ex.grade(wrong)
        assert v.status in ("wrong", "almost") and v.message, (ex.name, v)
        assert ex.solution_text().strip()


def _modules():
    import pkgutil

    import app.lessons as lessons
    return [f"app.lessons.{m.name}" for m in pkgutil.iter_modules(lessons.__path__) if m.name.endswith("_exercises")]


def test_checks_say_correct_almost_or_wrong():
    check = close_to(10.0, rtol=0.05)
    assert check(10.4).status == "correct" and check(11.5).status == "almost" and check(30).status == "wrong"
    assert "15 % too high" in check(11.5).message
    count = exact(lambda: 3)
    assert [count(k).status for k in (3, 4, 7)] == ["correct", "almost", "wrong"]


def test_grading_bad_answers_is_a_message_not_an_exception():
    ex = Exercise("x", "q", check=lambda a: Verdict("correct"), solution="s")
    assert ex.grade(None).message == "Enter an answer first."
    assert ex.grade(float("inf")).message == "Enter a finite number."
    assert ex.grade("abc").message == "That is not a number."
    choice = Exercise("c", "q", check=lambda a: Verdict("correct"), solution="s", kind="choice", options=(1, 2))
    assert choice.grade(3).message == "Choose one of the options."
    with pytest.raises(ValueError, match="letters, digits"):
        Exercise("a b", "q", check=lambda a: Verdict("correct"), solution="s")
    with pytest.raises(ValueError, match="unique"):
        ExerciseSet("p", (ex, ex))


def test_progress_file_round_trip_and_bad_files():
    known = frozenset({"least-squares/cg-count", "least-squares/kappa"})
    data = progress_json({"least-squares/cg-count"})
    assert parse_progress(data, known) == ({"least-squares/cg-count"}, [])
    extra = json.dumps({"app": "NumDL Studio", "version": 1, "done": ["least-squares/kappa", "x/y"]}).encode()
    assert parse_progress(extra, known) == ({"least-squares/kappa"}, ["x/y"])
    bad = {b"": "empty", b"\xff\xfe\x00": "not text", b"{": "not valid JSON", b"[1, 2]": "not a NumDL Studio",
           b'{"app": "NumDL Studio", "version": 2, "done": []}': "version",
           b'{"app": "NumDL Studio", "version": 1, "done": [1]}': "list of exercise ids",
           b" " * 30_000: "too large"}
    for blob, words in bad.items():
        with pytest.raises(ValueError, match=words):
            parse_progress(blob, known)


def test_url_progress_keeps_only_known_ids():
    known = frozenset({"a/b", "c/d"})
    assert parse_done(["a/b,zz/top", "c/d,,"], known) == ({"a/b", "c/d"}, ["zz/top"])
    done, ignored = parse_done(["x" * 100_000], known)
    assert done == set() and len(ignored) == 1


def test_tour_step_from_the_url_is_clamped_with_a_note():
    assert parse_step(None, 5) == (None, None)
    assert parse_step("3", 5) == (2, None)
    assert parse_step("99", 5)[0] == 4 and "steps 1 to 5" in parse_step("99", 5)[1]
    assert parse_step("0", 5)[0] == 0 and parse_step("zz", 5) == (0, "`tour=zz` is not a step number: the tour "
                                                                     "starts at step 1.")


def _exercise_answer(at, key_part):
    return next(w for w in at.number_input if key_part in (w.key or ""))


def test_least_squares_exercise_checked_on_the_page_and_kept_in_the_url():
    at = page("least_squares.py", {"section": "iterative"})
    at.run()
    assert_clean(at)
    assert any("Exercises (0 of 3 solved)" in e.label for e in at.expander)
    _exercise_answer(at, "least-squares/cg-count").set_value(2)
    submit = [b for b in at.button if b.label == "Check"]
    submit[1].click().run()  # the second exercise of the section: the CG count
    assert_clean(at)
    assert any("Correct." in t for t in texts(at.success)), texts(at.success)
    assert at.query_params.get("done") == "least-squares/cg-count"
    assert any("Exercises (1 of 3 solved)" in e.label for e in at.expander)
    _exercise_answer(at, "least-squares/sd-step").set_value(0.05)
    [b for b in at.button if b.label == "Check"][0].click().run()
    assert any("diverges" in t for t in texts(at.error)), texts(at.error)


def test_progress_from_the_url_and_unknown_ids_ignored():
    at = page("least_squares.py", {"section": "iterative", "done": "least-squares/kappa,nope/nothing"})
    at.run()
    assert_clean(at)
    assert any("Exercises (1 of 3 solved)" in e.label for e in at.expander)
    assert at.query_params.get("done") == "least-squares/kappa"


def test_lecture_tour_steps_through_the_presets():
    at = page("least_squares.py", {"tour": "1"})
    at.run()
    assert_clean(at)
    assert any("Lecture tour, step 1 of 5" in t for t in texts(at.markdown))
    nxt = next(b for b in at.button if b.label == "Next")
    nxt.click().run()
    assert any("Lecture tour, step 2 of 5" in t for t in texts(at.markdown))
    assert at.query_params.get("tour") == "2" and at.query_params.get("a") == "0.01"
    for _ in range(2):
        next(b for b in at.button if b.label == "Next").click().run()
    assert at.query_params.get("precond") == "qr"  # step 4: preconditioning
    next(b for b in at.button if b.label == "End the tour").click().run()
    assert "tour" not in at.query_params
    at = page("least_squares.py", {"tour": "42"})
    at.run()
    assert any("opened at step 5" in t for t in texts(at.warning))
    assert at.query_params.get("section") == "deblur"


def test_a_link_with_new_values_is_read_on_a_later_visit():
    """Home's search links open a section: the URL is read again when it differs from what the page wrote."""
    at = page("least_squares.py", {"section": "iterative"})
    at.run()
    assert at.query_params.get("section") == "iterative"
    at.query_params["section"] = "deblur"  # as st.page_link(..., query_params=...) does on a later visit
    at.run()
    assert_clean(at)
    assert at.query_params.get("section") == "deblur"
    at.run()  # an ordinary rerun keeps it
    assert at.query_params.get("section") == "deblur"


def test_home_shows_the_progress_per_page_from_the_url():
    from tests.pages.helpers import app

    at = app()
    at.query_params["done"] = "least-squares/kappa,least-squares/cg-count,derivatives/e2-order,bogus/id"
    at.run()
    assert_clean(at)
    total = sum(len(s.exercises) for s in SETS)
    assert any(f"3 of {total} solved" in t for t in texts(at.caption)), texts(at.caption)
    bars = [b.proto.text for b in at.get("progress")]
    assert "Linear least squares: 2 of 3" in bars and "Checking derivatives: 1 of 3" in bars
    assert any("ignored" in t for t in texts(at.warning))
    assert at.query_params.get("done") == "derivatives/e2-order,least-squares/cg-count,least-squares/kappa"
