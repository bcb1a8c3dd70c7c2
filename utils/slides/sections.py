"""The slides of each part of the video: introduction, theory, program, results.

Each function adds its part's slides to a deck (`utils.slides._Deck`): the team's figures with
prompts where the team must speak, and its numbers with their uncertainty.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from utils.slides.numbers import coverage_of_range, format_over_seeds
from utils.slides.places import FIGURE_PLACES, PREFIXES

if TYPE_CHECKING:
    from utils.slides import _Deck


def _figure_slide(deck: _Deck, path: Path, section: str) -> None:
    title, prompts = FIGURE_PLACES.get(path.stem, (section, None, None))[1:]
    if title is None:
        stem = path.stem
        if stem.split("_", 1)[0].lower() in PREFIXES and "_" in stem:
            stem = stem.split("_", 1)[1]
        title = f"Part B: {stem.replace('_', ' ')}"
        prompts = [
            "Explain what this figure shows and what it answers in your question.",
            "Say how sure you are: how many seeds, how large the spread.",
        ]
    slide = deck.slide(title)
    deck.picture(slide, path, 0.5, 1.35, 12.3, 4.15)
    deck.prompts(slide, prompts)


def _intro(deck: _Deck, distribution: str | None) -> None:
    slide = deck.slide("The question of the lab")
    deck.prompts(
        slide,
        [
            "Explain the question in one or two sentences: how far from the Bayes risk does each "
            "family of classifiers get, with how many training samples?",
            "Say what you will show: Part A, and your team's Part B question.",
        ],
        top=1.5,
        height=2.2,
    )
    slide = deck.slide("Our distribution")
    if distribution:
        box = deck.text(
            slide, 0.5, 1.4, 12.3, 3.8, distribution.splitlines(), size=16, name="distribution"
        )
        for paragraph in box.text_frame.paragraphs:  # the columns of describe_parameters line up
            paragraph.font.name = "Courier New"
    deck.prompts(
        slide,
        ["Explain what the parameters mean for the two classes (priors, means, covariances)."],
    )


def _theory(deck: _Deck, figures: list[Path]) -> None:
    for path in figures:
        _figure_slide(deck, path, "theory")
    for title, prompts in [
        (
            "Four reasons to miss the Bayes risk",
            [
                "Write the excess risk as the sum of its four terms, and explain each term.",
                "Explain which terms more data can shrink, and which it cannot.",
            ],
        ),
        (
            "Why the quadratic family has no gap",
            ["Explain why logistic regression on quadratic features can reach the Bayes rule."],
        ),
        (
            "Part B: the theory behind our question",
            ["State your question and your hypothesis, and explain why you expect it."],
        ),
    ]:
        deck.prompts(deck.slide(title), prompts, top=1.5, height=2.2)


def _program(deck: _Deck, figures: list[Path]) -> None:
    for title, prompts in [
        (
            "Measuring a risk, and a difference of risks",
            [
                "Explain how your code measures a risk on the test sample, with its standard "
                "error.",
                "Explain why pairing two classifiers on the same test points shrinks the "
                "uncertainty of their difference.",
            ],
        ),
        (
            "Families, seeds and training",
            [
                "Explain what a seed fixes, and why one training run is not a measurement.",
                "Explain how the families are trained (loss, optimiser, steps) and how "
                "StackedMLP trains every seed at once.",
            ],
        ),
        (
            "Part B: our experiment's design",
            ["Explain what you vary, what you keep fixed, and how many seeds you run."],
        ),
    ]:
        deck.prompts(deck.slide(title), prompts, top=1.5, height=2.2)
    for path in figures:
        _figure_slide(deck, path, "program")


def _results(deck, figures, rows, excess, families, sizes) -> None:
    per_slide = 8  # rows of numbers that fit above the prompts
    chunks = [rows[k : k + per_slide] for k in range(1, len(rows), per_slide)]
    for k, chunk in enumerate(chunks):
        slide = deck.slide(
            "Our numbers" + (f" ({k + 1} of {len(chunks)})" if len(chunks) > 1 else "")
        )
        deck.table(slide, [rows[0], *chunk], 0.5, 1.4, 12.3)
        deck.prompts(
            slide,
            [
                "Explain what each uncertainty measures: the noise of the test sample, or the "
                "variability over training samples.",
                "Explain why more data removes neither the approximation error nor the "
                "surrogate gap.",
            ],
        )
    if families:
        seeds = {len(v) for v in excess.values()}
        slide = deck.slide("Excess risk per family and N")
        table = [["family \\ N", *[str(n) for n in sizes]]]
        for family in families:
            cells = []
            for n in sizes:
                values = next(
                    (v for (f, m), v in excess.items() if str(f) == family and m == n), None
                )
                cells.append("" if values is None else format_over_seeds(values))
            table.append([family, *cells])
        deck.table(slide, table, 0.5, 1.4, 12.3, name="excess", size=12)
        counts = ", ".join(str(s) for s in sorted(seeds))
        low = min(seeds)
        note = (
            f"median [min, max] over {counts} seeds: the variability over training samples "
            f"([min, max] of {low} seeds covers the median with probability "
            f"{100 * coverage_of_range(low):.0f} %)"
        )
        deck.text(slide, 0.5, 1.5 + 0.4 * len(table), 12.3, 0.5, [note], size=12, name="note")
        deck.prompts(
            slide,
            ["Compare the families paired by seed, and explain the largest differences."],
        )
    for path in figures:
        _figure_slide(deck, path, "results")
    deck.prompts(
        deck.slide("Part B: our result and conclusion"),
        [
            "State your answer to your question, with its uncertainty over seeds.",
            "Explain what surprised you, and what you would try next.",
        ],
        top=1.5,
        height=2.2,
    )
