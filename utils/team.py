"""Who a team is: its members' names, normalised, and a short fingerprint (torch-free).

The graded lab draws each team's distribution from its names, so one team must get one draw
however its members type their names, and a team must not shop for a draw by re-spelling them.
`normalise_team` reads each name as a set of tokens:

- case, accents and spaces do not count ("Élodie  DURAND" = "elodie durand");
- letters without a decomposition are transliterated ("Søren" = "Soren", "Łukasz" = "Lukasz",
  "Æsa" = "Aesa", "Straße" = "Strasse");
- punctuation and hyphens separate tokens ("Hugo-Bernard" = "Hugo Bernard", "O'Neil" = "O Neil");
- the order of the tokens within a name is free ("Martin Chloé" = "Chloé Martin"), and so is the
  order of the members;
- a member named twice is an error (a duplicate would count as a third member).

`team_fingerprint(names)` is 8 hex digits of the SHA-256 of the normalised team: printed by the
lab's team cell, by the answer key and in the checker's CSV, so the three can be matched.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

__all__ = ["normalise_name", "normalise_team", "team_fingerprint"]

# Letters that NFKD does not decompose into a base letter and accents.
_TRANSLITERATION = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ß": "ss",
        "ħ": "h",
        "Ħ": "h",
    }
)


def normalise_name(name: str) -> str:
    """One member's name as its sorted, lower-case ASCII-folded tokens joined by one space."""
    if not isinstance(name, str):
        raise ValueError(f"`team` must hold names as strings; found {name!r}")
    text = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATION))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = "".join(c if c.isalnum() else " " for c in text)  # punctuation, hyphens: separators
    return " ".join(sorted(text.split()))


def normalise_team(names: Sequence[str]) -> list[str]:
    """The team's members, each normalised (`normalise_name`), sorted; blank entries dropped.

    Raises ValueError for something that is not a list of names, for no name at all, and for a
    member named twice (in any spelling that normalises the same).
    """
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ValueError(f'`team` must be a list of names, e.g. ["Ada Lovelace"]; found {names!r}')
    if not all(isinstance(name, str) for name in names):
        raise ValueError(f"`team` must hold names as strings; found {names!r}")
    members = [n for n in (normalise_name(name) for name in names) if n]
    if not members:
        raise ValueError(f"`team` must hold at least one name; found {list(names)!r}")
    seen: dict[str, str] = {}
    for name, member in zip(names, (normalise_name(n) for n in names), strict=True):
        if member and member in seen:
            raise ValueError(
                f"`team` names the same member twice: {seen[member]!r} and {name!r} are both "
                f"{member!r}; list each member once"
            )
        seen[member] = name
    return sorted(members)


def team_fingerprint(names: Sequence[str]) -> str:
    """8 hex digits identifying the normalised team (and so its draw in the graded lab)."""
    return hashlib.sha256("\n".join(normalise_team(names)).encode()).hexdigest()[:8]
