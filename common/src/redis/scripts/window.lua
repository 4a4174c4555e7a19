-- Sliding-window log: at most `quota` permits in any window of `window` µs, one permit
-- per call. The log is a sorted set of grant times; entries that left the window are
-- removed, the rest counted, and a permit added, in one atomic step.
-- KEYS[1]  state hash: blocked_until, speed, seq
-- KEYS[2]  log (sorted set: score = grant time in µs of Redis time)
-- ARGV[1]  quota
-- ARGV[2]  window (the vendor's period plus the safety margin), µs
-- ARGV[3]  key expiry, ms
-- Returns {granted (1/0), wait µs before asking again, speed (32 = full)}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('HMGET', KEYS[1], 'blocked_until', 'speed')
local blocked = tonumber(s[1]) or 0
local speed = tonumber(s[2]) or 32
if now < blocked then
  return {0, blocked - now, speed}
end
local window = tonumber(ARGV[2])
-- After throttling, a slower speed admits a smaller share of the quota.
local quota = math.max(1, math.floor(tonumber(ARGV[1]) * speed / 32))
-- A grant at g counts until now - g >= window (the vendor's "any rolling window").
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%.0f', now - window))
local count = redis.call('ZCARD', KEYS[2])
if count < quota then
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('ZADD', KEYS[2], string.format('%.0f', now), string.format('%.0f-%d', now, seq))
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, 0, speed}
end
-- Full: the permit frees up when the (count - quota + 1)-th oldest grant leaves.
local oldest = redis.call('ZRANGE', KEYS[2], count - quota, count - quota, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now, speed}
