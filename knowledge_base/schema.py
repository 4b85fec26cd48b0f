"""The shape of every knowledge-base file, validated with pydantic on load.

Answers are written in a small, channel-neutral markup that every channel can render:
``**bold**``, ``[text](https://link)`` and lines starting with ``- `` for lists. Nothing else.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

# Stable ids: statistics are compared across months, so never rename one.
CATEGORY_IDS: tuple[str, ...] = (
    "residence",
    "registration",
    "work",
    "tax",
    "money",
    "childcare",
    "education",
    "language",
    "healthcare",
    "mental_health",
    "housing",
    "travel_return",
    "hub",
    "other",
)
TOPICAL_CATEGORY_IDS: tuple[str, ...] = tuple(c for c in CATEGORY_IDS if c != "other")
REPLY_LANGUAGES: tuple[str, ...] = ("uk", "nl", "en")
QUESTION_LANGUAGES: tuple[str, ...] = ("uk", "nl", "ru", "en")

CategoryId = Literal[
    "residence", "registration", "work", "tax", "money", "childcare", "education", "language",
    "healthcare", "mental_health", "housing", "travel_return", "hub", "other",
]
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Hub articles may name the visitor's hub; the Dialog fills these from hubs.yaml.
HUB_PLACEHOLDERS = frozenset(
    {"hub_name", "hub_city", "hub_address", "hub_opening_hours", "hub_volunteer_hours", "hub_contact",
     "hub_activities", "hub_donations", "hub_accessibility", "hub_children", "hub_pets", "hub_computers",
     "hub_transport"}
)
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class Strict(BaseModel):
    """Refuse unknown fields so a misspelt key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    """One text in each reply language."""

    uk: str = Field(min_length=1)
    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return getattr(self, lang if lang in REPLY_LANGUAGES else "en")


class Answer(Localized):
    """An answer text; only the hub placeholders may appear in braces."""

    @model_validator(mode="after")
    def _known_placeholders(self) -> Answer:
        for lang in REPLY_LANGUAGES:
            for name in PLACEHOLDER.findall(getattr(self, lang)):
                if name not in HUB_PLACEHOLDERS:
                    raise ValueError(f"unknown placeholder {{{name}}} in {lang}")
        return self


class Phrasings(Strict):
    """Ways visitors really ask the question; transliterated Ukrainian goes under ``uk``."""

    uk: list[str] = Field(min_length=1)
    nl: list[str] = Field(min_length=1)
    ru: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)

    def all(self) -> list[tuple[str, str]]:
        return [(lang, text) for lang in QUESTION_LANGUAGES for text in getattr(self, lang)]


class Source(Strict):
    """An official page an answer rests on; ``date`` is the date the page itself states (published or
    last updated), when it states one, so ``kb check`` can tell a current rule from an old one."""

    url: HttpUrl
    title: str = Field(min_length=1)
    date: dt.date | None = None

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: HttpUrl) -> HttpUrl:
        if url.scheme != "https":
            raise ValueError("source links must use https")
        return url


class Article(Strict):
    """One answer to one kind of question, dated and sourced."""

    id: str
    category: CategoryId
    title: Localized
    answer: Answer
    questions: Phrasings
    keywords: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)
    checked: dt.date
    changing: bool = False
    # For a changing rule: the date of the newest official statement of it (a letter to parliament, a
    # news item, a page's update date). The bot shows it beside the check date, because "checked
    # yesterday" says nothing about whether the rule itself is from 2022 or from last month.
    rule_date: dt.date | None = None
    related: list[str] = Field(default_factory=list)
    volunteer_hint: Localized | None = None
    # The article's own phrasings may be a crisis ("ne khochu zhyty" is how people ask for 113, and it is
    # a crisis): the safety heads must not learn them as "no crisis". They still train the topic heads.
    speaks_of_danger: bool = False

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("id must be lower-case words joined by hyphens, e.g. 'work-permit'")
        return value

    @model_validator(mode="after")
    def _not_other(self) -> Article:
        if self.category == "other":
            raise ValueError("articles belong to a topical category, not 'other'")
        return self


class Category(Strict):
    id: CategoryId
    name: Localized
    emoji: str = ""


class Hub(Strict):
    """A hub visitors come to. ``example`` marks the shipped sample so nobody mistakes it for a real one."""

    id: str
    name: str
    city: str
    address: str
    opening_hours: Localized
    volunteer_hours: Localized
    contact: str
    activities: Localized | None = None
    donations: Localized | None = None
    accessibility: Localized | None = None  # step-free entrance, lift, toilet, hearing loop
    children: Localized | None = None  # may children come along, is there a play corner
    pets: Localized | None = None  # may a dog come in
    computers: Localized | None = None  # computers, printing, scanning, wifi
    transport: Localized | None = None  # public transport, bicycle and car parking
    # The language an announcement falls back to when it has no text in the visitor's language.
    language: Literal["uk", "nl", "en"] | None = None
    example: bool = False

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("id must be lower-case words joined by hyphens")
        return value


class CategoriesFile(Strict):
    categories: list[Category]


class HubsFile(Strict):
    hubs: list[Hub] = Field(min_length=1)
