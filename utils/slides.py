"""A slide deck for the graded lab's video, built from the team's own figures and numbers.

`build_slides` writes ``slides.pptx`` (python-pptx; PowerPoint, Google Slides and LibreOffice
open it): a title slide with the team, then the four parts of the video in the rubric's order
(introduction ≈ 10 %, theory ≈ 35 %, program ≈ 35 %, results ≈ 20 % of ten minutes), each
opened by a divider slide that gives its share of the time. The team's figures (PNG files) and
numbers are placed on the slides, with short prompts where the team must speak ("Explain
why …"): the deck never writes an answer, the team says it.

Where a figure goes: the lab's own figures by name (`FIGURE_PLACES`); any other figure by the
prefix of its file name (``intro_…``, ``theory_…``, ``program_…``, ``results_…``), else on a
Part B results slide of its own.

Numbers (``numbers``: label -> value) are shown with their uncertainty:

- a float: an exact value (e.g. a closed-form risk), ``0.1234``;
- a ``(value, stderr)`` tuple, or an object with ``.value`` and ``.stderr`` (a
  `utils.bayes.RiskEstimate`): ``0.1234 ± 0.0008``, the noise of the sample it is measured on
  (a test sample, or Monte Carlo draws; exact when the standard error is 0);
- a list (one value, or estimate, per training seed): ``0.0955 [0.0572, 0.1200]``, the median
  and the range over the seeds: the variability over training samples.

``excess`` maps ``(family, N)`` to the list of the excess risks of the seeds, as notebook 07's
``results``; it becomes a table with the median and [min, max] per family and N.

python-pptx is imported when a deck is built, never on import; in Colab (which lacks it) it is
installed quietly first, as the setup cell installs torchviz.
"""

from __future__ import annotations

import importlib
import math
import statistics
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "SECTIONS",
    "build_slides",
    "coverage_of_range",
    "format_number",
    "format_over_seeds",
    "place_figures",
]

PPTX_REQUIREMENT = "python-pptx>=1.0"
VIDEO_MINUTES = 10
# The rubric's parts, in its order: (key, title, share of the video in %).
SECTIONS = [
    ("intro", "Introduction", 10),
    ("theory", "Theoretical analysis", 35),
    ("program", "Your program", 35),
    ("results", "Results", 20),
]
# The lab's own figures (save_figure's names in notebook 07) -> (section, slide title, prompts).
FIGURE_PLACES = {
    "bayes_rule": (
        "theory",
        "The Bayes rule of our distribution",
        [
            "Explain why no classifier has a lower risk than the Bayes rule.",
            "Explain why the Bayes boundary of your distribution is curved.",
        ],
    ),
    "excess_risk_vs_n": (
        "results",
        "Excess risk against the number of samples",
        [
            "Explain what a line and the dots show (median, every seed).",
            "Compare the families at the smallest and the largest N, and explain what you see "
            "with the four terms of the excess risk.",
        ],
    ),
    "boundaries_n1000": (
        "results",
        "The boundaries behind the numbers",
        ["Explain how each boundary differs from the Bayes boundary, and why."],
    ),
}
PREFIXES = {"intro": "intro", "theory": "theory", "program": "program", "results": "results"}
SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5  # 16:9
EMU_PER_INCH = 914400
PROMPT_TITLE = "Say in your own words:"


# ------------------------------------------------------------------------------ numbers


def _is_estimate(value: object) -> bool:
    return hasattr(value, "value") and hasattr(value, "stderr")


def _as_float(value: object, what: str) -> float:
    if _is_estimate(value):
        value = value.value
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number; found {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number; found {number}")
    return number


def format_number(value: object, label: str = "a number") -> str:
    """``value`` with its uncertainty, as on the slides (see the module's docstring)."""
    if isinstance(value, list):
        return format_over_seeds(value, label)
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{label}: a tuple must be (value, standard error); found {value!r}")
        mean, stderr = _as_float(value[0], label), _as_float(value[1], label)
    elif _is_estimate(value):
        mean, stderr = _as_float(value.value, label), _as_float(value.stderr, label)
    else:
        return f"{_as_float(value, label):.4f}"
    return f"{mean:.4f}" if stderr == 0 else f"{mean:.4f} ± {stderr:.4f}"


def format_over_seeds(values: Sequence, label: str = "a number") -> str:
    """The median and [min, max] of the values over the training seeds."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
        raise ValueError(
            f"{label}: expected a non-empty list of values over seeds; found {values!r}"
        )
    numbers = [_as_float(v, label) for v in values]
    return f"{statistics.median(numbers):.4f} [{min(numbers):.4f}, {max(numbers):.4f}]"


def coverage_of_range(seeds: int) -> float:
    """Probability that [min, max] of ``seeds`` independent values covers their median."""
    return 1 - 2 * 0.5**seeds


def _uncertainty_kind(value: object) -> str:
    if isinstance(value, list):
        return f"median [min, max] over {len(value)} seeds"
    if isinstance(value, tuple) or _is_estimate(value):
        stderr = _as_float(value[1] if isinstance(value, tuple) else value.stderr, "stderr")
        return "exact" if stderr == 0 else "± standard error of the sample it is measured on"
    return "exact"


# ------------------------------------------------------------------------------ figures


def place_figures(figures: str | Path | Sequence[str | Path]) -> list[tuple[str, Path]]:
    """Every PNG figure with the section it goes to, in a stable order (the lab's own figures
    first, in `FIGURE_PLACES` order, then the others by file name)."""
    if isinstance(figures, str | Path):
        folder = Path(figures)
        paths = sorted(folder.glob("*.png")) if folder.is_dir() else []
    else:
        paths = [Path(p) for p in figures]
    for path in paths:
        if path.suffix.lower() != ".png" or not path.is_file():
            raise ValueError(f"a figure must be a PNG file; found {path}")
    own = [p for name in FIGURE_PLACES for p in paths if p.stem == name]
    others = sorted((p for p in paths if p.stem not in FIGURE_PLACES), key=lambda p: p.name)
    placed = [(FIGURE_PLACES[p.stem][0], p) for p in own]
    for path in others:
        prefix = path.stem.split("_", 1)[0].lower()
        placed.append((PREFIXES.get(prefix, "results"), path))
    return placed


# ------------------------------------------------------------------------------ python-pptx


def _in_colab() -> bool:
    return "google.colab" in sys.modules


def _pip_install(requirement: str) -> bool:
    """Install ``requirement`` quietly (as the setup cell installs torchviz); True on success."""
    pip = [sys.executable, "-m", "pip", "install", "--quiet", requirement]
    pip += ["--root-user-action=ignore", "--disable-pip-version-check", "--retries", "1"]
    pip += ["--timeout", "20"]
    try:
        run = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return run.returncode == 0


def load_pptx(install: bool | None = None):
    """The python-pptx module; installed first where it is missing and ``install`` (by default:
    in Colab only). Raises RuntimeError saying what to do when it cannot be had."""
    try:
        return importlib.import_module("pptx")
    except ImportError:
        pass
    install = _in_colab() if install is None else install
    if install:
        print(f"Installing {PPTX_REQUIREMENT} for the slides (once per session) ...")
        if _pip_install(PPTX_REQUIREMENT):
            importlib.invalidate_caches()
            try:
                return importlib.import_module("pptx")
            except ImportError:
                pass
        raise RuntimeError(
            f"the slides need {PPTX_REQUIREMENT}, which could not be installed (no network?). "
            "Reconnect and run this cell again, or build your slides from the figures' zip."
        )
    raise RuntimeError(
        f"the slides need {PPTX_REQUIREMENT}, which is not installed: run "
        "`pip install -r requirements.txt` (or `pip install python-pptx`) and run this cell again."
    )


# ------------------------------------------------------------------------------ the deck


def _team_list(team: Sequence[str] | str | None) -> list[str]:
    if team is None:
        return []
    if isinstance(team, str):
        team = [team]
    if not isinstance(team, Sequence) or not all(isinstance(n, str) for n in team):
        raise ValueError(f"`team` must be a list of names (strings); found {team!r}")
    return [" ".join(n.split()) for n in team if n.strip()]


def _check_excess(excess: Mapping | None) -> tuple[list[str], list[int]]:
    if not excess:
        return [], []
    if not isinstance(excess, Mapping):
        raise ValueError(
            f"`excess` must map (family, N) to a list over seeds; found {type(excess).__name__}"
        )
    families: list[str] = []
    sizes: list[int] = []
    for key, values in excess.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise ValueError(f"`excess`: each key must be (family, N); found {key!r}")
        family, n = str(key[0]), key[1]
        if not isinstance(n, int):
            raise ValueError(f"`excess`: N must be an integer; found {n!r} for {family!r}")
        format_over_seeds(values, f"excess[{family!r}, {n}]")  # raises on bad values
        if family not in families:
            families.append(family)
        if n not in sizes:
            sizes.append(n)
    return families, sorted(sizes)


class _Deck:
    """A python-pptx Presentation with the few shapes the deck uses."""

    def __init__(self, pptx) -> None:
        from pptx.util import Emu

        self.pptx, self.util = pptx, importlib.import_module("pptx.util")
        self.prs = pptx.Presentation()
        self.prs.slide_width = Emu(int(SLIDE_W_IN * EMU_PER_INCH))
        self.prs.slide_height = Emu(int(SLIDE_H_IN * EMU_PER_INCH))
        self.section = ""  # the rubric's part of the slides being added, shown on each

    def slide(self, title: str, layout: int = 5):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[layout])
        slide.shapes.title.text = title
        if layout == 5 and self.section:
            tag = self.text(slide, 0.5, 7.0, 12.3, 0.4, [self.section], size=11, name="section tag")
            tag.text_frame.paragraphs[0].font.italic = True
        # The default template's layouts are 4:3: place the placeholders on the 16:9 slide.
        inch = self.util.Inches
        boxes = {5: [(0.5, 0.3, 12.3, 1.0)], 0: [(0.9, 1.9, 11.5, 1.6), (0.9, 3.8, 11.5, 1.6)]}
        boxes[2] = [(0.9, 3.0, 11.5, 1.4), (0.9, 1.9, 11.5, 1.0)]
        for shape, (left, top, width, height) in zip(
            slide.placeholders, boxes[layout], strict=False
        ):
            shape.left, shape.top, shape.width, shape.height = (
                inch(left),
                inch(top),
                inch(width),
                inch(height),
            )
        if layout == 5:
            for paragraph in slide.shapes.title.text_frame.paragraphs:
                paragraph.font.size = self.util.Pt(32)
        return slide

    def text(
        self, slide, left, top, width, height, lines, *, size=18, name="text", bold_first=False
    ):
        inch, pt = self.util.Inches, self.util.Pt
        box = slide.shapes.add_textbox(inch(left), inch(top), inch(width), inch(height))
        box.name = name
        frame = box.text_frame
        frame.word_wrap = True
        for k, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = pt(size)
            paragraph.font.bold = bold_first and k == 0
        return box

    def prompts(self, slide, prompts: Sequence[str], left=0.5, top=5.6, width=12.3, height=1.6):
        """The team's cue cards: what to explain here (never the answer)."""
        from pptx.dml.color import RGBColor

        lines = [PROMPT_TITLE] + [f"• {p}" for p in prompts]
        box = self.text(
            slide, left, top, width, height, lines, size=16, name="prompt", bold_first=True
        )
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor(0xFF, 0xF4, 0xCC)
        return box

    def picture(self, slide, path: Path, left, top, width, height):
        """The figure, as large as fits the box, centred, aspect ratio kept."""
        from PIL import Image

        with Image.open(path) as image:
            w_px, h_px = image.size
        scale = min(width / w_px, height / h_px)
        w, h = w_px * scale, h_px * scale
        inch = self.util.Inches
        shape = slide.shapes.add_picture(
            str(path), inch(left + (width - w) / 2), inch(top + (height - h) / 2), inch(w), inch(h)
        )
        shape.name = f"figure:{path.name}"
        return shape

    def table(self, slide, rows: list[list[str]], left, top, width, *, name="numbers", size=14):
        inch, pt = self.util.Inches, self.util.Pt
        height = 0.4 * len(rows)
        shape = slide.shapes.add_table(
            len(rows), len(rows[0]), inch(left), inch(top), inch(width), inch(height)
        )
        shape.name = name
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = shape.table.cell(r, c)
                cell.text = value
                for paragraph in cell.text_frame.paragraphs:
                    paragraph.font.size = pt(size)
        return shape


def build_slides(
    out: str | Path = "slides.pptx",
    *,
    team: Sequence[str] | str | None = None,
    figures: str | Path | Sequence[str | Path] = "figures",
    numbers: Mapping[str, object] | None = None,
    excess: Mapping[tuple[str, int], Sequence] | None = None,
    distribution: str | None = None,
    install: bool | None = None,
) -> Path:
    """Write the team's slide deck to ``out`` and return its path.

    Parameters
    ----------
    out : str or Path
        The ``.pptx`` file to write.
    team : list of str, optional
        The team's names, for the title slide.
    figures : folder, or list of PNG files
        The figures to place (a folder: every ``*.png`` in it; see `place_figures`).
    numbers : dict, optional
        label -> value, shown with its uncertainty on the results slides (module docstring).
    excess : dict, optional
        (family, N) -> the excess risks of the seeds (floats or estimates), as notebook 07's
        ``results``: a table of the median and [min, max] per family and N.
    distribution : str, optional
        The team's distribution as text (notebook 07's ``describe_parameters(source)``).
    install : bool, optional
        Install python-pptx where it is missing (default: in Colab only).

    Raises
    ------
    ValueError
        A figure is not a PNG file, or a number is not a number.
    RuntimeError
        python-pptx is missing and could not be installed.
    """
    out = Path(out)
    if out.suffix.lower() != ".pptx":
        raise ValueError(f"`out` must be a .pptx file; found {out}")
    names = _team_list(team)
    numbers = dict(numbers or {})
    rows = [["quantity", "value", "uncertainty"]]
    for label, value in numbers.items():
        rows.append([str(label), format_number(value, str(label)), _uncertainty_kind(value)])
    families, sizes = _check_excess(excess)
    placed = place_figures(figures)
    if distribution is not None and not isinstance(distribution, str):
        raise ValueError(f"`distribution` must be text; found {type(distribution).__name__}")

    deck = _Deck(load_pptx(install))
    title = deck.slide("How far from the Bayes risk?", layout=0)
    title.placeholders[1].text = (
        ", ".join(names) if names else "Your team's names"
    ) + "\nDeep Learning Basics · graded lab"

    by_section = {key: [p for s, p in placed if s == key] for key, _, _ in SECTIONS}
    for key, section_title, share in SECTIONS:
        minutes = VIDEO_MINUTES * share / 100
        deck.section = f"{section_title} · about {share} % of the video"
        divider = deck.slide(section_title, layout=2)
        divider.placeholders[1].text = f"about {share} % of the video ({minutes:g} min)"
        divider.placeholders[1].name = "section"
        if key == "intro":
            _intro(deck, distribution)
        elif key == "theory":
            _theory(deck, by_section[key])
        elif key == "program":
            _program(deck, by_section[key])
        else:
            _results(deck, by_section[key], rows, excess, families, sizes)
    out.parent.mkdir(parents=True, exist_ok=True)
    deck.prs.save(out)
    return out


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
