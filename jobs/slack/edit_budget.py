"""One chat.update budget per workspace, shared by every worker through Redis.

Slack rate-limits `chat.update` per app per workspace (Tier 3, "50+ per minute"), not per
process: eight workers streaming into one workspace, each throttled on its own, together
edit about 100 times a minute and collect 429s. So every streaming edit takes a token from
one bucket per team in Redis, refilled at `SLACK_CHAT_UPDATE_PER_MINUTE`.

- An interim edit that finds no token is skipped: the next one carries the whole text.
  Interim edits leave a small reserve in the bucket, so final edits rarely wait.
- A final edit (a reply's complete text) waits for a token, at most `FINAL_WAIT_MAX_S`, and
  then goes anyway: the final text is never lost to the budget.

The setting is a ceiling for any minute: the bucket holds a sixth of it (a burst when edits
start) and refills at the rest, so no 60 s window sees more than `per_minute` edits. Refill
uses Redis's own clock (`TIME`), so workers on hosts with skewed clocks share one timeline;
the take is one Lua script, so two workers never spend the same token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from redis import Redis
from redis.exceptions import RedisError

if TYPE_CHECKING:
    from jobs.runtime import Runtime

logger = logging.getLogger(__name__)

FINAL_WAIT_MAX_S = 15.0
INTERIM_RESERVE = 2.0  # tokens interim edits leave for final ones
KEY = "slack:budget:chat.update:{team_id}"

# KEYS[1] bucket; ARGV: rate (tokens/s), capacity, tokens needed in the bucket to take one.
# Returns {1, 0} when a token was taken, else {0, ms until enough tokens are back}.
_TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local needed = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local taken = 0
local wait_ms = 0
if tokens >= needed then
  tokens = tokens - 1
  taken = 1
else
  wait_ms = math.ceil((needed - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {taken, wait_ms}
"""


@dataclass(frozen=True)
class EditBudget:
    """The chat.update budget of one workspace; cheap to build per reply."""

    redis: Redis
    team_id: str
    per_minute: int
    sleep: Callable[[float], None] = time.sleep

    @property
    def capacity(self) -> float:
        return float(max(1, self.per_minute // 6))

    @property
    def rate(self) -> float:
        """Tokens a second: a full bucket plus a minute's refill is `per_minute`."""
        return max(1.0, self.per_minute - self.capacity) / 60.0

    def take(self, *, final: bool) -> bool:
        """True if this edit may go now. Interim: at once or never. Final: waits for a token
        (at most FINAL_WAIT_MAX_S) and then is always allowed."""
        try:
            if not final:
                return self._try(min(self.capacity, 1.0 + INTERIM_RESERVE))[0]
            self._wait_for_token()
        except RedisError:
            # No one can count without Redis: interim edits wait, the final one goes.
            logger.warning("chat.update budget unavailable (Redis); final=%s", final)
            return final
        return True

    def _wait_for_token(self) -> None:
        deadline = time.monotonic() + FINAL_WAIT_MAX_S
        while True:
            taken, wait_s = self._try(1.0)
            left = deadline - time.monotonic()
            if taken:
                return
            if left <= 0:
                logger.warning("Edit budget of %s spent; the final edit goes anyway", self.team_id)
                return
            self.sleep(min(wait_s, left))

    def _try(self, needed: float) -> tuple[bool, float]:
        taken, wait_ms = self.redis.eval(
            _TAKE, 1, KEY.format(team_id=self.team_id), repr(self.rate), repr(self.capacity), needed
        )
        return bool(taken), max(0.01, int(wait_ms) / 1000.0)


def for_team(rt: Runtime, team_id: str) -> EditBudget:
    """The shared chat.update budget of `team_id` as this runtime's settings size it."""
    return EditBudget(rt.redis, team_id, rt.settings.slack_chat_update_per_minute)
