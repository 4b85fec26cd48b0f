"""Announcements: tell subscribed visitors what changed, in their language, paced as each platform allows.

- ``subscriptions``: consent per visitor and hub, optionally per topic; it goes with the visitor row.
- ``consent``: the visitor's words and buttons (subscribe, unsubscribe, topics, "what's new?").
- ``service``: write, check, schedule, start and count announcements; the message a visitor reads.
- ``delivery``: the per-recipient state machine in the database (exactly one row per announcement and
  visitor; claimed before sending, marked after; what a crash leaves is never sent twice).
- ``pacing``: a token bucket per bot and a gap per chat, clock injectable.
- ``sender``: the background worker and the couriers channels register.
"""
