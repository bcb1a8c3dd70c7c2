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

from utils.slides.numbers import (  # noqa: F401 - re-exported: the deck's numbers
    _as_float,
    _is_estimate,
    _uncertainty_kind,
    coverage_of_range,
    format_number,
    format_over_seeds,
)
from utils.slides.places import (
    EMU_PER_INCH,
    FIGURE_PLACES,
    PPTX_REQUIREMENT,
    PREFIXES,
    PROMPT_TITLE,
    SECTIONS,
    SLIDE_H_IN,
    SLIDE_W_IN,
    VIDEO_MINUTES,
)
from utils.slides.sections import _intro, _program, _results, _theory


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
