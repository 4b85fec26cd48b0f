"""Read-only knowledge-base articles for the volunteer page: quote an answer instead of retyping it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel

from hubdesk import dialog, render
from hubdesk.api.deps import VolunteerUser
from hubdesk.kb import knowledge_base
from hubdesk.knowledge_base.schema import CATEGORY_IDS, REPLY_LANGUAGES, Article

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"], dependencies=[VolunteerUser.__metadata__[0]])


class ArticleSummary(BaseModel):
    id: str
    category: str
    title: dict[str, str]
    checked: dt.date
    changing: bool
    stale: bool


class ArticlesPublic(BaseModel):
    data: list[ArticleSummary]
    count: int


class SourcePublic(BaseModel):
    url: str
    title: str


class ArticlePublic(ArticleSummary):
    answer_html: dict[str, str]
    answer_plain: dict[str, str]
    volunteer_hint: dict[str, str] | None
    sources: list[SourcePublic]
    related: list[str]


def _summary(article: Article) -> dict:
    return {
        "id": article.id,
        "category": article.category,
        "title": {lang: article.title.get(lang) for lang in REPLY_LANGUAGES},
        "checked": article.checked,
        "changing": article.changing,
        "stale": dt.date.today() - article.checked > dialog.STALE_AFTER,
    }


@router.get("/articles", response_model=ArticlesPublic)
def list_articles(
    category: Annotated[str | None, Query(description="one of the category ids",
                                          pattern="^(" + "|".join(CATEGORY_IDS) + ")$")] = None,
) -> ArticlesPublic:
    """Every article, or those of one category, by id."""
    if category is not None and category not in CATEGORY_IDS:
        raise HTTPException(422, detail=f"unknown category {category!r}; one of: {', '.join(CATEGORY_IDS)}")
    kb = knowledge_base()
    articles = kb.in_category(category) if category else list(kb.articles.values())
    data = [ArticleSummary(**_summary(a)) for a in sorted(articles, key=lambda a: a.id)]
    return ArticlesPublic(data=data, count=len(data))


@router.get("/articles/{article_id}", response_model=ArticlePublic, responses={404: {"description": "No such article"}})
def get_article(article_id: Annotated[str, Path(max_length=96)], user: VolunteerUser) -> ArticlePublic:
    """One article in every reply language, with the user's hub details filled in, as HTML and as plain text."""
    kb = knowledge_base()
    article = kb.articles.get(article_id)
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Article {article_id!r} does not exist.")
    hub = kb.hub(user.hub_id)
    answers = {lang: dialog.fill_hub(article.answer.get(lang), hub, lang) for lang in REPLY_LANGUAGES}
    hint = article.volunteer_hint
    return ArticlePublic(
        **_summary(article),
        answer_html={lang: render.to_web_html(text) for lang, text in answers.items()},
        answer_plain={lang: render.to_plain(text) for lang, text in answers.items()},
        volunteer_hint={lang: hint.get(lang) for lang in REPLY_LANGUAGES} if hint else None,
        sources=[SourcePublic(url=str(s.url), title=s.title) for s in article.sources],
        related=list(article.related),
    )
