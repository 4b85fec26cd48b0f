"""The Telegram channel: a python-telegram-bot 22 Application inside the FastAPI app (see ``app``)."""

from hubdesk.bot.telegram.app import TelegramChannel, build_application, telegram_lifespan

__all__ = ["TelegramChannel", "build_application", "telegram_lifespan"]
