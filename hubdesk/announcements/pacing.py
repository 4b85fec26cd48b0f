"""Pacing: a token bucket for the whole bot and a minimum gap per chat, with a clock tests can replace.

Telegram allows about 30 messages a second per bot and one a second per chat; a 429 says how long to wait
(``retry_after``), and that wait holds for the whole bot. ``Pacer.slot`` hands each send its own moment:
never before the bucket has a token, never within ``chat_interval`` of the last message to the same chat,
never during a pause. Slots are reserved in order, so several sends in flight still keep the rate.

``Pacer.dispatch`` is the last check as the request leaves: a sliding window of one second never holds more
than ``floor(rate)`` sends, however late some slots were reached.

The bucket holds one token (``burst=1``): with more, a burst after a quiet moment would put more than
``rate`` messages into one second, which is what the limit forbids.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
CHATS_REMEMBERED = 50_000  # recent chats whose last message time is kept (older ones cannot be too recent)


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; ``reserve`` returns when a token is yours."""

    def __init__(self, rate: float, *, burst: float = 1.0, clock: Clock = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.interval = 1.0 / rate + 1e-9  # a nanosecond more: float sums must not fit rate + 1 into a second
        self.burst = burst
        self.clock = clock
        self._next = clock()  # the moment the next token is free

    def reserve(self, not_before: float = 0.0) -> float:
        """Take the next token at or after ``not_before``; return the moment it may be used.

        Slots are handed out one after another, ``1 / rate`` apart: a slot given for a later moment (a chat
        that must wait) is not shared, so the rate holds in every window however the slots are spread.
        """
        now = self.clock()
        earliest = max(self._next, now - (self.burst - 1) * self.interval)
        at = max(earliest, not_before)
        self._next = at + self.interval
        return at

    def pause_until(self, moment: float) -> None:
        """Nothing before ``moment`` (Telegram's retry_after)."""
        self._next = max(self._next, moment)


class Pacer:
    """A bot-wide bucket plus a per-chat gap; ``await pacer.slot(chat)`` waits for this send's turn."""

    def __init__(self, rate: float, *, chat_interval: float = 1.0, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep):
        self.bucket = TokenBucket(rate, clock=clock)
        self.chat_interval = chat_interval
        self.clock = clock
        self.sleep = sleep
        self._last: OrderedDict[str, float] = OrderedDict()
        self.paused_until = 0.0
        self.window_limit = max(1, math.floor(rate))
        self._sent: deque[float] = deque()

    def reserve(self, chat_key: str) -> float:
        """The moment this chat's next message may go (reserved; call once per send)."""
        last = self._last.get(chat_key)
        not_before = max(self.paused_until, last + self.chat_interval if last is not None else 0.0)
        at = self.bucket.reserve(not_before)
        self._last[chat_key] = at
        self._last.move_to_end(chat_key)
        while len(self._last) > CHATS_REMEMBERED:
            self._last.popitem(last=False)
        return at

    async def slot(self, chat_key: str) -> None:
        """Wait until this send may go."""
        at = self.reserve(chat_key)
        delay = at - self.clock()
        if delay > 0:
            await self.sleep(delay)
        # A pause that arrived while we waited (another send got a 429) holds for us too.
        while self.paused_until > self.clock():
            at = self.reserve(chat_key)
            await self.sleep(max(0.0, at - self.clock()))

    async def dispatch(self) -> None:
        """The last check before the request leaves: at most ``floor(rate)`` sends in any one second.

        A slot can be reached late (its claim waited for the database) and several late sends would then
        bunch up; this sliding window counts the moments requests really leave.
        """
        while True:
            now = self.clock()
            while self._sent and self._sent[0] <= now - 1.0:
                self._sent.popleft()
            if len(self._sent) < self.window_limit and self.paused_until <= now:
                self._sent.append(now)
                return
            wait = max(self.paused_until - now, self._sent[0] + 1.0 - now if self._sent else 0.0)
            await self.sleep(max(wait, 0.001))

    def pause(self, seconds: float) -> None:
        """Telegram said "retry after ``seconds``": nobody sends before then."""
        moment = self.clock() + seconds
        self.paused_until = max(self.paused_until, moment)
        self.bucket.pause_until(moment)
