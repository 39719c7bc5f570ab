"""A token bucket per sender in Redis (messages/s and segments/s), taken atomically by a Lua script so any
number of workers on any number of machines share one rate. Redis's own clock is used, not the workers'.

Urgent takers (an alert's SMS) go first: each urgent take marks the sender urgent for URGENT_HOLD_S, and while
it is, other takers get no tokens (they wait, a fraction of a second at a time) — the whole rate goes to the
alert until its messages have gone, then the others resume."""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis import Redis

# KEYS: messages bucket, segments bucket, urgent mark. ARGV: rate, burst, cost for each bucket; "1" for an
# urgent taker; seconds an urgent take holds the others back.
# Returns "0" when both buckets had enough tokens (and takes them), else the seconds to wait (takes nothing).
TAKE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
if ARGV[7] == '1' then
  redis.call('SET', KEYS[3], tostring(now + tonumber(ARGV[8])), 'EX', 60)
else
  local urgent_until = tonumber(redis.call('GET', KEYS[3]) or '0')
  if urgent_until > now then return tostring(math.min(urgent_until - now, 0.2)) end
end
local function level(key, rate, burst)
  local v = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(v[1])
  local ts = tonumber(v[2])
  if tokens == nil then tokens = burst; ts = now end
  return math.min(burst, tokens + math.max(0, now - ts) * rate)
end
local wait = 0
local levels = {}
for i = 1, 2 do
  local rate = tonumber(ARGV[i * 3 - 2]); local burst = tonumber(ARGV[i * 3 - 1]); local cost = tonumber(ARGV[i * 3])
  local tokens = level(KEYS[i], rate, burst)
  levels[i] = tokens
  if tokens < cost then wait = math.max(wait, (cost - tokens) / rate) end
end
for i = 1, 2 do
  local tokens = levels[i]
  if wait == 0 then tokens = tokens - tonumber(ARGV[i * 3]) end
  redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('EXPIRE', KEYS[i], 3600)
end
return tostring(wait)
"""


@dataclass(frozen=True)
class Rate:
    messages_per_second: float
    segments_per_second: float
    burst_messages: float = 1.0
    burst_segments: float = 10.0


#: How long an urgent take keeps the other takers waiting (covers an urgent worker's wait for tokens).
URGENT_HOLD_S = 2.0


class TokenBucket:
    def __init__(self, redis: Redis, sender: str, rate: Rate):
        self.redis = redis
        self.rate = rate
        self.keys = [f"sms:bucket:{sender}:msg", f"sms:bucket:{sender}:seg", f"sms:bucket:{sender}:urgent"]
        self._script = redis.register_script(TAKE_LUA)

    def try_take(self, segments: int = 1, *, urgent: bool = False) -> float:
        """Take one message and `segments` segments if available: 0.0, else the seconds to wait."""
        r = self.rate
        burst_m, burst_s = max(1.0, r.burst_messages), max(float(segments), r.burst_segments, 1.0)
        args = [r.messages_per_second, burst_m, 1, r.segments_per_second, burst_s, segments, int(urgent),
                URGENT_HOLD_S]
        return float(self._script(keys=self.keys, args=args))

    def take(self, segments: int = 1, *, urgent: bool = False, deadline: float | None = None) -> bool:
        """Block until the tokens are taken (True) or `deadline` (time.monotonic) passes (False). `urgent`: an
        alert's SMS, served before every other taker of the sender."""
        while True:
            wait = self.try_take(segments, urgent=urgent)
            if wait <= 0:
                return True
            if deadline is not None and time.monotonic() + wait > deadline:
                return False
            time.sleep(wait)
