"""Where things go on the slides: the rubric's parts and the lab's own figures."""

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
