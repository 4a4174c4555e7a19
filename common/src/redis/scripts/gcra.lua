-- GCRA (a token bucket on a "theoretical arrival time"), one permit per call.
-- KEYS[1]  state hash: tat, blocked_until, speed (all in microseconds of Redis time)
-- ARGV[1]  interval between permits at full speed, µs
-- ARGV[2]  tolerance (burst - 1 intervals), µs
-- ARGV[3]  key expiry, ms
-- Returns {granted (1/0), wait µs before asking again, speed (32 = full)}.
-- Redis' own clock (TIME), so the clocks of the processes sharing the key do not matter.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local s = redis.call('HMGET', KEYS[1], 'tat', 'blocked_until', 'speed')
local blocked = tonumber(s[2]) or 0
local speed = tonumber(s[3]) or 32
if now < blocked then
  return {0, blocked - now, speed}
end
local interval = math.floor(tonumber(ARGV[1]) * 32 / speed)
local tat = tonumber(s[1]) or now
if tat < now then
  tat = now
end
local earliest = tat - tonumber(ARGV[2])
if now < earliest then
  return {0, earliest - now, speed}
end
redis.call('HSET', KEYS[1], 'tat', string.format('%.0f', tat + interval))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, 0, speed}
