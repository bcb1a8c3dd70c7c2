"""Every formula of every notebook is LaTeX that renders: nothing maths-like is left outside
``$…$``/``$$…$$``, and no formula is broken by emphasis.

The markdown cells are parsed as CommonMark with dollar maths (markdown-it-py and mdit-py-plugins'
``dollarmath``, with the rules GitHub and Jupyter share: no space just inside ``$…$``, no digit just
after the closing ``$``). What the parser leaves as plain text is then searched for maths: ``_{``,
``^{``, a LaTeX command (``\\frac``, ``\\sum``, ``\\theta``…), a Greek letter or a maths symbol in
Unicode (``θ``, ``Σ``, ``‖``, ``ᵀ``, ``x₀``), a stray ``$``. Emphasis whose text holds such
characters is a formula that markdown ate (``θ*ᵀx / ‖θ*‖`` renders without its stars).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

# Test tools of requirements.txt that Colab lacks (the Colab twin skips this file).
MarkdownIt = pytest.importorskip("markdown_it", reason="markdown-it-py is not installed").MarkdownIt
dollarmath_plugin = pytest.importorskip(
    "mdit_py_plugins.dollarmath", reason="mdit-py-plugins is not installed"
).dollarmath_plugin

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(
    ROOT.glob("notebooks/exercises/*.ipynb")
)

GREEK = "αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΦΨΩϵϑϕ"
SYMBOLS = "∑∏∫√∂∇‖ᵀ∈∉⊂⊆∀∃∞≤≥≠⋅"
SUBSUP = "₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼ⁰¹²³⁴⁵⁶⁷⁸⁹ⁿⁱ⁺⁻"
MATH_OUTSIDE = re.compile(
    rf"_\{{|\^\{{|\\[a-zA-Z]+|[{GREEK}{SYMBOLS}{SUBSUP}]|\$|\b[A-Za-z][_^][A-Za-z0-9]\b"
)
MATH_IN_EMPHASIS = re.compile(rf"[{GREEK}{SYMBOLS}{SUBSUP}=^_\\]")
TAG = re.compile(r"<[^>]+>")
DOLLARS = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.S)
# GitHub's markdown drops the backslash before ASCII punctuation before its maths renderer runs:
# `\{` shows no brace, `\|` a single bar, `\,` nothing, `\\` no line break.
GITHUB_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
GITHUB_FIX = {
    "\\{": "\\lbrace",
    "\\}": "\\rbrace",
    "\\|": "\\Vert (or \\lVert … \\rVert)",
    "\\\\": "\\cr (or separate formulas)",
    "\\,": "\\thinspace or nothing",
    "\\;": "\\thickspace or nothing",
    "\\!": "nothing",
}

_md = MarkdownIt("commonmark").use(
    dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True
)


def _problems(source: str) -> list[str]:
    """What is wrong with one markdown cell's maths, one sentence each."""
    found: list[str] = []

    def text_problem(text: str, where: str) -> None:
        m = MATH_OUTSIDE.search(text)
        if m:
            start = max(0, m.start() - 30)
            found.append(
                f"maths outside $…$ ({where}): {m.group()!r} in …{text[start : m.end() + 30]}…"
            )

    def walk(tokens, in_emphasis: bool) -> None:
        depth = 1 if in_emphasis else 0
        for tok in tokens:
            if tok.type in ("em_open", "strong_open"):
                depth += 1
            elif tok.type in ("em_close", "strong_close"):
                depth -= 1
            elif tok.type == "text":
                if depth and MATH_IN_EMPHASIS.search(tok.content):
                    found.append(f"a formula broken by emphasis (*…* or _…_): {tok.content!r}")
                else:
                    text_problem(tok.content, "text")
            elif tok.type in ("html_inline", "html_block"):
                # Jupyter's MathJax also typesets maths inside HTML (e.g. <details>): strip the
                # tags and the $…$ spans, and look at what is left.
                text_problem(DOLLARS.sub("", TAG.sub("", tok.content)), "HTML")
            if tok.children:
                walk(tok.children, depth > 0)

    tokens = _md.parse(source)
    walk(tokens, False)
    for tok in _math_tokens(tokens):
        for m in GITHUB_ESCAPE.finditer(tok.content):
            fix = GITHUB_FIX.get(m.group(), "a command with a name of letters")
            found.append(f"{m.group()} in ${tok.content[:60]}$ does not survive GitHub: use {fix}")
    return found


def _math_tokens(tokens):
    for tok in tokens:
        if tok.type.startswith("math"):
            yield tok
        if tok.children:
            yield from _math_tokens(tok.children)


def test_the_linter_catches_what_the_review_found() -> None:
    # Each of these rendered wrongly in JupyterLab; each must be reported.
    assert _problems("margin γ = minᵢ sᵢ θ*ᵀx̃ᵢ / ‖θ*‖")
    assert _problems("argmin_θ R̂_N(f_θ) and Σ_{j=0}^{9}")
    assert _problems("softmax e^{a_j}/Σ_k e^{a_k}")
    assert _problems(r"the ratio \frac{1}{4}")
    assert _problems("a formula *θ = 1* in emphasis")
    assert _problems("an unclosed $x + 1")
    assert _problems("<details><summary>Answer</summary>\nσ'(a) = σ(a)(1 − σ(a))\n</details>")
    assert _problems(r"the set $\{0, 1\}$")
    assert _problems(r"a norm $\|w\|$")
    assert _problems("$$a \\\\ b$$")
    assert not _problems(r"the set $\lbrace 0, 1 \rbrace$, a norm $\lVert w \rVert$")
    # and well-written maths passes
    assert not _problems(
        r"The margin $\gamma = \min_i s_i \theta^{*\top} \tilde x_i$ is *positive*."
    )
    assert not _problems(
        "$$\\hat R_N(f_\\theta) = \\frac{1}{N}\\sum_{i=1}^N \\ell(f_\\theta(x_i), y_i)$$"
    )
    assert not _problems("Code like `x_{i}` and `a ^ b` is not maths; snake_case_names neither.")
    assert not _problems("<details><summary>Answer</summary>\n\n$\\sigma'(a) = 1/4$\n\n</details>")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_every_formula_is_latex_that_renders(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    report = [
        f"{path.relative_to(ROOT)}, cell {i}: {problem}"
        for i, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "markdown"
        for problem in _problems(cell.source)
    ]
    assert not report, "\n".join(report[:40]) + (
        f"\n… and {len(report) - 40} more" if len(report) > 40 else ""
    )
