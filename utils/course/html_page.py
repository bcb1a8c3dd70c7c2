"""The head of the course's generated HTML pages (the readers' edition, `utils.course.site`, and
the class report, `utils.course.class_report`): one place for what every page opens with."""

from __future__ import annotations

import html

__all__ = ["html_head"]


def html_head(title: str, *elements: str) -> str:
    """An HTML page up to ``<body>``: the doctype, ``<html lang="en">``, and a head with the
    charset (first, as browsers require), the viewport, ``elements`` (HTML written as given:
    meta, link, style and script elements) and the title (escaped)."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            *elements,
            f"<title>{html.escape(title, quote=False)}</title>",
            "</head>",
            "<body>",
        ]
    )
