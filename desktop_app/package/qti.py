"""A QTI 1.2 quiz (Canvas's classic quizzes) as questions with their answers.

Canvas writes one `<item>` per question: its text in `presentation/material/mattext`
(often HTML), the choices as `response_label`s, and which are right in `resprocessing`
(a `respcondition` that sets the score above 0 when `varequal` names a choice). The
question type is in `itemmetadata` (`question_type`). Parsed with defusedxml.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.package import xmlutil as x

MAX_QUESTIONS = 5_000
"""Questions shown for one quiz; a hostile file with a million is cut here."""


@dataclass
class Answer:
    ident: str
    text: str
    correct: bool = False


@dataclass
class Question:
    title: str
    text: str  # may be HTML
    kind: str = ""
    points: str = ""
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Quiz:
    title: str
    questions: list[Question] = field(default_factory=list)
    description: str = ""
    truncated: bool = False


def parse_quiz(data: bytes, name: str = "quiz") -> Quiz:
    root = x.parse(data, name)
    assessment = next(x.descendants(root, "assessment"), None)
    quiz = Quiz((assessment.get("title") if assessment is not None else "") or "")
    for node in x.descendants(root, "item"):
        if len(quiz.questions) >= MAX_QUESTIONS:
            quiz.truncated = True
            break
        meta = {x.text(f, "fieldlabel"): x.text(f, "fieldentry") for f in x.descendants(node, "qtimetadatafield")}
        presentation = x.child(node, "presentation")
        material = x.child(presentation, "material")
        question = Question(
            node.get("title") or "",
            x.text(material, "mattext") if material is not None else "",
            meta.get("question_type", ""),
            meta.get("points_possible", ""),
        )
        correct: set[str] = set()
        for condition in x.descendants(node, "respcondition"):
            scores = [s for s in x.descendants(condition, "setvar") if (s.text or "").strip()]
            try:
                positive = any(float((s.text or "0").strip()) > 0 for s in scores)
            except ValueError:
                positive = False
            if positive:
                correct.update((v.text or "").strip() for v in x.descendants(condition, "varequal"))
        if presentation is not None:
            for label in x.descendants(presentation, "response_label"):
                ident = label.get("ident") or ""
                question.answers.append(Answer(ident, x.text(label), ident in correct))
        quiz.questions.append(question)
    return quiz


def quiz_meta_title(data: bytes, name: str = "assessment_meta.xml") -> tuple[str, str]:
    """(title, description) from Canvas's assessment_meta.xml."""
    root = x.parse(data, name)
    return x.text(root, "title"), x.text(root, "description")
