"""The curated knowledge base: articles, categories and hubs as YAML files, plus their schema and loader."""

from hubdesk.knowledge_base.loader import KnowledgeBase, KnowledgeBaseError, load_knowledge_base
from hubdesk.knowledge_base.schema import CATEGORY_IDS, Article, Category, Hub

__all__ = [
    "CATEGORY_IDS",
    "Article",
    "Category",
    "Hub",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "load_knowledge_base",
]
