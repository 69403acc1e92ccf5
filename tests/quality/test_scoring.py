"""Scoring an evaluation form: weights, yes/no and scale answers, N/A left out of the weight,
critical items that zero the score, and strict validation naming the field."""
import pytest

from hotline.quality import scoring

FORM = scoring.validate_sections([
    {"title": "规范", "questions": [
        {"id": "greet", "text": "问候", "kind": "yesno", "weight": 1},
        {"id": "listen", "text": "倾听", "kind": "scale", "scale_max": 4, "weight": 2}]},
    {"title": "质量", "questions": [
        {"id": "right", "text": "解答准确", "kind": "yesno", "weight": 3, "critical": True},
        {"id": "refer", "text": "转介", "kind": "yesno", "weight": 2, "allow_na": True}]},
])


def test_weighted_score_with_na_and_sections() -> None:
    result = scoring.score(FORM, {"greet": "yes", "listen": 2, "right": "yes", "refer": "na"})
    # (1·1 + 2·0.5 + 3·1) / (1 + 2 + 3) = 5/6
    assert result["score"] == pytest.approx(83.33, abs=0.01)
    assert result["section_scores"] == {"规范": pytest.approx(66.67, abs=0.01), "质量": 100.0}
    assert result["items"]["refer"] is None and not result["critical_failed"]


def test_critical_item_zeroes_the_score() -> None:
    result = scoring.score(FORM, {"greet": "yes", "listen": 4, "right": "no", "refer": "yes"})
    assert result["critical_failed"] and result["score"] == 0.0
    assert result["section_scores"]["规范"] == 100.0  # the sections still show where it went wrong


@pytest.mark.parametrize("answers, field", [
    ({"greet": "yes", "listen": 2, "right": "yes"}, "answers.refer"),  # unanswered
    ({"greet": "yes", "listen": True, "right": "yes", "refer": "yes"}, "answers.listen"),  # a bool is no number
    ({"greet": "yes", "listen": 5, "right": "yes", "refer": "yes"}, "answers.listen"),  # past the scale
    ({"greet": "na", "listen": 2, "right": "yes", "refer": "yes"}, "answers.greet"),  # N/A not allowed
    ({"greet": "yes", "listen": 2, "right": "yes", "refer": "yes", "x": "yes"}, "answers.x"),
])
def test_bad_answers_name_the_field(answers: dict, field: str) -> None:
    with pytest.raises(scoring.FormError, match=field.replace(".", r"\.")):
        scoring.score(FORM, answers)


@pytest.mark.parametrize("sections, field", [
    ([], "sections"),
    ([{"title": "", "questions": []}], "sections[0].title"),
    ([{"title": "a", "questions": [{"id": "q", "text": "t", "weight": True}]}], "sections[0].questions[0].weight"),
    ([{"title": "a", "questions": [{"id": "q", "text": "t", "kind": "stars"}]}], "sections[0].questions[0].kind"),
    ([{"title": "a", "questions": [{"id": "q", "text": "t"}, {"id": "q", "text": "u"}]}], "sections[0].questions[1].id"),
    ([{"title": "a", "questions": [{"id": "q", "text": "t", "critical": "yes"}]}], "sections[0].questions[0].critical"),
])
def test_bad_forms_name_the_field(sections: list, field: str) -> None:
    with pytest.raises(scoring.FormError) as info:
        scoring.validate_sections(sections)
    assert f"({field}" in str(info.value)


def test_default_form_is_valid() -> None:
    clean = scoring.validate_sections(scoring.DEFAULT_FORM)
    assert sum(1 for s in clean for q in s["questions"] if q["critical"]) == 2
