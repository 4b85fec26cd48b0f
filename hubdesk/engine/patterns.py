"""A tiny phrase-pattern language compiled to regular expressions over skeletons.

Crisis and intent phrases are written as people write them, in any script; each literal word is
reduced to its skeleton so one pattern also matches transliterated and misspelt forms. Syntax, one
phrase per string, tokens separated by spaces:

- ``word``   the word exactly;            ``word*``  any word starting with it
- ``a|b``    either word (each may end in ``*``)
- ``word?``  the word may be missing;      ``..``     up to three other words in between
- ``!a|b``   the next word is none of these
- ``^`` / ``$`` the start / end of the message
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hubdesk.engine.text import skeleton


def _word(spec: str) -> str:
    prefix = spec.endswith("*")
    # "кто-то" is two words to the tokenizer, so it is two skeletons here
    key = " ".join(re.escape(skeleton(part)) for part in spec.rstrip("*").split("-") if part)
    return rf"{key}\S*" if prefix else key


def _token(token: str) -> str:
    if token == "..":
        return r"(?:\S+ ){0,3}"
    if token == "^":
        return r"^ "
    if token == "$":
        return r"$"
    if token.startswith("!"):
        alts = "|".join(_word(a) for a in token[1:].split("|"))
        return rf"(?!(?:{alts}) )"
    optional = token.endswith("?")
    alts = "|".join(_word(a) for a in token.rstrip("?").split("|"))
    return rf"(?:(?:{alts}) )?" if optional else rf"(?:{alts}) "


def compile_phrase(phrase: str) -> str:
    """One phrase as a regex over ``' ' + ' '.join(skeletons) + ' '``."""
    tokens = phrase.split()
    body = "".join(_token(t) for t in tokens)
    return body if tokens and tokens[0] == "^" else r" " + body


def compile_phrases(phrases: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{compile_phrase(p)})" for p in phrases))


def skeleton_line(tokens: list[str]) -> str:
    """The form patterns run on: skeletons joined by single spaces, padded with spaces."""
    return " " + " ".join(skeleton(t) for t in tokens) + " "
