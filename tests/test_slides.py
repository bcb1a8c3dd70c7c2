"""The team's slide deck (utils.slides): figures byte for byte, numbers as formatted, the
rubric's order, prompts and never answers, python-pptx installed in Colab or a clear error,
and the deck rendered by LibreOffice where it is installed."""

from __future__ import annotations

import hashlib
import shutil
import statistics
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

from utils import slides

pptx = pytest.importorskip("pptx", reason="python-pptx is not installed (requirements.txt)")

OWN = ["bayes_rule", "excess_risk_vs_n", "boundaries_n1000"]
OTHERS = ["program_timing", "depth_vs_width", "theory_sketch"]
FAMILIES = ["logistic", "MLP width 32"]
SIZES = [50, 5000]


@dataclass(frozen=True)
class Estimate:  # what utils.bayes.RiskEstimate offers the deck
    value: float
    stderr: float


def make_png(path: Path, seed: int, size=(320, 180)) -> Path:
    """A small PNG, different for every seed (so that every figure has its own hash)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle([10 + seed * 7, 20, 120 + seed * 11, 150], fill=(30 * seed % 255, 90, 160))
    image.save(path)
    return path


@pytest.fixture()
def figures(tmp_path) -> Path:
    folder = tmp_path / "figures"
    folder.mkdir()
    for k, name in enumerate(OWN + OTHERS):
        make_png(folder / f"{name}.png", k, size=(320 + 40 * k, 180))
    (folder / "bayes_rule.pdf").write_bytes(b"%PDF- not placed")
    return folder


NUMBERS = {
    "Bayes risk R*": Estimate(0.1234, 0.0008),
    "approximation error of lines": (0.0456, 0.0011),
    "best line's risk (exact)": 0.1690,
    "logistic regression at N = 50": [0.0955, 0.0572, 0.1200, 0.0801, 0.0634],
}
EXPECTED_NUMBERS = {  # written out by hand: what a person reads on the slide
    "Bayes risk R*": ("0.1234 ± 0.0008", "± standard error of the sample it is measured on"),
    "approximation error of lines": (
        "0.0456 ± 0.0011",
        "± standard error of the sample it is measured on",
    ),
    "best line's risk (exact)": ("0.1690", "exact"),
    "logistic regression at N = 50": ("0.0801 [0.0572, 0.1200]", "median [min, max] over 5 seeds"),
}
EXCESS = {
    (family, n): [Estimate(0.01 * (k + 1) + 0.1 * f + 0.001 * s, 0.001) for k in range(5)]
    for f, family in enumerate(FAMILIES)
    for s, n in enumerate(SIZES)
}


def build(tmp_path, figures, **kwargs) -> pptx.presentation.Presentation:
    kwargs = {
        "team": ["Ada Lovelace", "Alan Turing"],
        "figures": figures,
        "numbers": NUMBERS,
        "excess": EXCESS,
        "distribution": "class 0: prior 0.40\nclass 1: prior 0.60",
    } | kwargs
    path = slides.build_slides(tmp_path / "slides.pptx", **kwargs)
    assert path == tmp_path / "slides.pptx" and path.is_file()
    return pptx.Presentation(str(path))


def title(slide) -> str:
    return slide.shapes.title.text if slide.shapes.title is not None else ""


def sections_of(deck) -> list[tuple[str, object]]:
    """Every slide after the title slide with the rubric part it belongs to (its divider)."""
    current, out = None, []
    for slide in list(deck.slides)[1:]:
        if any(shape.name == "section" for shape in slide.shapes):
            current = title(slide)
            continue
        out.append((current, slide))
    return out


def table_rows(shape) -> list[list[str]]:
    table = shape.table
    return [
        [table.cell(r, c).text for c in range(len(table.columns))] for r in range(len(table.rows))
    ]


def test_the_title_slide_names_the_team(tmp_path, figures):
    deck = build(tmp_path, figures, team=["  Ada   Lovelace", "Alan Turing"])
    first = deck.slides[0]
    texts = [shape.text_frame.text for shape in first.shapes if shape.has_text_frame]
    assert any("Ada Lovelace, Alan Turing" in text for text in texts), texts


def test_the_sections_follow_the_rubric_with_their_share(tmp_path, figures):
    deck = build(tmp_path, figures)
    dividers = [s for s in deck.slides if any(sh.name == "section" for sh in s.shapes)]
    assert [title(s) for s in dividers] == [
        "Introduction",
        "Theoretical analysis",
        "Your program",
        "Results",
    ]
    shares = [next(sh.text_frame.text for sh in s.shapes if sh.name == "section") for s in dividers]
    assert shares == [
        "about 10 % of the video (1 min)",
        "about 35 % of the video (3.5 min)",
        "about 35 % of the video (3.5 min)",
        "about 20 % of the video (2 min)",
    ]
    for section, slide in sections_of(deck):  # every slide says which part it belongs to
        tag = next(sh.text_frame.text for sh in slide.shapes if sh.name == "section tag")
        assert tag.startswith(f"{section} · about "), (title(slide), tag)
    counts = {}
    for section, _ in sections_of(deck):
        counts[section] = counts.get(section, 0) + 1
    assert all(counts[s] >= 2 for s in ["Introduction", "Theoretical analysis", "Your program"])


def test_every_figure_is_placed_byte_for_byte_in_its_section(tmp_path, figures):
    deck = build(tmp_path, figures)
    placed = {}
    for section, slide in sections_of(deck):
        for shape in slide.shapes:
            if shape.shape_type == pptx.enum.shapes.MSO_SHAPE_TYPE.PICTURE:
                assert shape.name.startswith("figure:")
                placed[shape.name.removeprefix("figure:")] = (section, shape.image.blob)
                slide_w, slide_h = deck.slide_width, deck.slide_height
                assert 0 <= shape.left and shape.left + shape.width <= slide_w
                assert 0 <= shape.top and shape.top + shape.height <= slide_h
                source = Image_size(figures / shape.name.removeprefix("figure:"))
                assert shape.width / shape.height == pytest.approx(source, rel=0.01)
    pngs = sorted(p.name for p in figures.glob("*.png"))
    assert sorted(placed) == pngs  # every PNG once, and nothing else (not the PDF)
    for name, (_, blob) in placed.items():
        want = hashlib.sha256((figures / name).read_bytes()).hexdigest()
        assert hashlib.sha256(blob).hexdigest() == want, name
    where = {name: section for name, (section, _) in placed.items()}
    assert where["bayes_rule.png"] == "Theoretical analysis"
    assert where["theory_sketch.png"] == "Theoretical analysis"
    assert where["program_timing.png"] == "Your program"
    assert where["excess_risk_vs_n.png"] == "Results"
    assert where["boundaries_n1000.png"] == "Results"
    assert where["depth_vs_width.png"] == "Results"  # a Part B figure without a prefix


def Image_size(path: Path) -> float:  # noqa: N802 - reads like the quantity it returns
    from PIL import Image

    with Image.open(path) as image:
        return image.size[0] / image.size[1]


def test_the_numbers_are_the_formatted_inputs(tmp_path, figures):
    deck = build(tmp_path, figures)
    shapes = {sh.name: sh for _, slide in sections_of(deck) for sh in slide.shapes}
    rows = table_rows(shapes["numbers"])
    assert rows[0] == ["quantity", "value", "uncertainty"]
    assert {r[0]: (r[1], r[2]) for r in rows[1:]} == EXPECTED_NUMBERS
    excess = table_rows(shapes["excess"])
    assert excess[0] == ["family \\ N", "50", "5000"]
    assert [r[0] for r in excess[1:]] == FAMILIES
    for row in excess[1:]:
        for n, text in zip(SIZES, row[1:], strict=True):
            values = [e.value for e in EXCESS[row[0], n]]
            med, low, high = statistics.median(values), min(values), max(values)
            assert text == f"{med:.4f} [{low:.4f}, {high:.4f}]"
    assert excess[1][1] == "0.0300 [0.0100, 0.0500]"  # one cell by hand
    note = shapes["note"].text_frame.text
    assert "over 5 seeds" in note and "94 %" in note  # 1 − 2·2⁻⁵ = 0.9375
    assert shapes["distribution"].text_frame.text == "class 0: prior 0.40\nclass 1: prior 0.60"


def test_the_labs_own_estimates_are_shown_with_their_error(tmp_path, figures):
    """utils.bayes's RiskEstimate (what notebook 07 computes), per seed and alone."""
    from utils.bayes import RiskEstimate

    numbers = {
        "Bayes risk R*": RiskEstimate(0.19748, 0.00063, "Monte Carlo (n=400000)"),
        "best line's risk": RiskEstimate(0.25398, 0.0, "closed form"),
    }
    excess = {("logistic", 50): [RiskEstimate(v, 0.001, "paired") for v in (0.3, 0.1, 0.2)]}
    deck = build(tmp_path, figures, numbers=numbers, excess=excess)
    shapes = {sh.name: sh for _, slide in sections_of(deck) for sh in slide.shapes}
    rows = {r[0]: r[1:] for r in table_rows(shapes["numbers"])[1:]}
    assert rows == {
        "Bayes risk R*": ["0.1975 ± 0.0006", "± standard error of the sample it is measured on"],
        "best line's risk": ["0.2540", "exact"],
    }
    assert table_rows(shapes["excess"])[1] == ["logistic", "0.2000 [0.1000, 0.3000]"]


def test_many_numbers_go_on_several_slides(tmp_path, figures):
    numbers = {f"quantity {k:02d}": 0.01 * k for k in range(19)}
    deck = build(tmp_path, figures, numbers=numbers)
    tables = [
        (title(slide), table_rows(shape))
        for _, slide in sections_of(deck)
        for shape in slide.shapes
        if shape.name == "numbers"
    ]
    assert [t for t, _ in tables] == [f"Our numbers ({k} of 3)" for k in (1, 2, 3)]
    shown = [row for _, rows in tables for row in rows[1:]]
    assert shown == [[f"quantity {k:02d}", f"{0.01 * k:.4f}", "exact"] for k in range(19)]
    for _, rows in tables:
        assert rows[0] == ["quantity", "value", "uncertainty"] and len(rows) <= 9


def test_slides_hold_prompts_never_answers(tmp_path, figures):
    """Every content slide has prompts, each an instruction; no other prose is written."""
    deck = build(tmp_path, figures)
    allowed = {"prompt", "section tag", "numbers", "excess", "note", "distribution"}
    for _, slide in sections_of(deck):
        names = {sh.name for sh in slide.shapes if sh != slide.shapes.title}
        assert "prompt" in names, title(slide)
        assert names <= allowed | {n for n in names if n.startswith("figure:")}, names
        prompt = next(sh for sh in slide.shapes if sh.name == "prompt").text_frame.text
        lines = prompt.splitlines()
        assert lines[0] == slides.PROMPT_TITLE and len(lines) >= 2
        for line in lines[1:]:
            verb = line.removeprefix("• ").split()[0]
            assert verb in {"Explain", "Say", "State", "Compare", "Write"}, line


def test_a_deck_without_numbers_or_figures_still_has_every_section(tmp_path):
    empty = tmp_path / "none"
    empty.mkdir()
    deck = build(tmp_path, empty, numbers=None, excess=None, team=None, distribution=None)
    sections = [s for s, _ in sections_of(deck)]
    assert sections[0] == "Introduction" and sections[-1] == "Results"
    assert not any(
        sh.shape_type == pptx.enum.shapes.MSO_SHAPE_TYPE.PICTURE
        for _, slide in sections_of(deck)
        for sh in slide.shapes
    )
    assert "Your team's names" in deck.slides[0].placeholders[1].text_frame.text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"numbers": {"Bayes risk": "about 0.1"}}, "Bayes risk must be a number"),
        ({"numbers": {"gap": (0.1, 0.2, 0.3)}}, "gap: a tuple must be (value, standard error)"),
        ({"numbers": {"gap": float("nan")}}, "gap must be a finite number"),
        ({"excess": {"logistic": [0.1]}}, "each key must be (family, N)"),
        ({"excess": {("logistic", 50): []}}, "a non-empty list of values over seeds"),
        ({"team": [1, 2]}, "`team` must be a list of names"),
    ],
)
def test_bad_input_gets_a_clear_error(tmp_path, figures, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build(tmp_path, figures, **kwargs)


def test_a_figure_that_is_not_a_png_is_refused(tmp_path, figures):
    with pytest.raises(ValueError, match="a figure must be a PNG file"):
        build(tmp_path, [figures / "bayes_rule.pdf"])
    with pytest.raises(ValueError, match="must be a .pptx file"):
        slides.build_slides(tmp_path / "slides.pdf", figures=figures)


@pytest.fixture()
def colab(monkeypatch):
    """google.colab present, python-pptx absent (an import of it fails)."""
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setitem(sys.modules, "pptx", None)


def test_in_colab_python_pptx_is_installed_then_used(tmp_path, figures, colab, monkeypatch):
    asked = []

    def pip_install(requirement):
        asked.append(requirement)
        monkeypatch.delitem(sys.modules, "pptx")  # "installed": the real one imports again
        return True

    monkeypatch.setattr(slides, "_pip_install", pip_install)
    deck = build(tmp_path, figures)
    assert asked == ["python-pptx>=1.0"] and len(deck.slides) > 10


def test_offline_in_colab_the_error_says_what_to_do(tmp_path, figures, colab, monkeypatch):
    monkeypatch.setattr(slides, "_pip_install", lambda requirement: False)
    with pytest.raises(RuntimeError, match="could not be installed \\(no network\\?\\)"):
        build(tmp_path, figures)
    assert not (tmp_path / "slides.pptx").exists()


def test_outside_colab_nothing_is_installed(tmp_path, figures, monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setitem(sys.modules, "pptx", None)
    monkeypatch.setattr(slides, "_pip_install", lambda r: pytest.fail("installed outside Colab"))
    with pytest.raises(RuntimeError, match="pip install -r requirements.txt"):
        build(tmp_path, figures)


def test_importing_the_module_imports_neither_pptx_nor_torch():
    code = (
        "import sys, utils; before = 'torch' in sys.modules; import utils.slides; "
        "print('pptx' in sys.modules, before or 'torch' not in sys.modules)"
    )
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert run.stdout.split() == ["False", "True"], run.stderr


def test_libreoffice_renders_every_slide(tmp_path, figures):
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        pytest.skip("LibreOffice (soffice) or poppler (pdftoppm) is not installed")
    deck = build(tmp_path, figures)
    profile = (tmp_path / "lo-profile").as_uri()
    run = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(tmp_path), str(tmp_path / "slides.pptx")],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = tmp_path / "slides.pdf"
    assert pdf.is_file(), run.stdout + run.stderr
    subprocess.run([pdftoppm, "-r", "20", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(deck.slides)
    from PIL import Image, ImageStat

    for k, slide in enumerate(deck.slides):
        with Image.open(pages[k]) as image:
            darkest = min(ImageStat.Stat(image.convert("L")).extrema[0])
            width, height = image.size
        assert darkest < 128, f"slide {k + 1} ({title(slide)}) rendered blank"
        assert width / height == pytest.approx(16 / 9, rel=0.02)
