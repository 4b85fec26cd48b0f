"""Channel adapters (Telegram, WhatsApp, web chat) and the channel-agnostic Dialog."""
