-- What a response said about the vendor's limit, for every process sharing the key.
-- KEYS[1]  state hash (as in gcra.lua / window.lua)
-- ARGV[1]  block every process for this long from now, ms (0: no block)
-- ARGV[2]  speed change: -1 halve (throttled), 1 one step faster (a success while slowed), 0 none
-- ARGV[3]  slowest speed (in 1/32 of full speed)
-- ARGV[4]  key expiry, ms (extended to outlive the block)
-- Returns the new speed.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local block = tonumber(ARGV[1])
if block > 0 then
  local until_us = now + block * 1000
  local cur = tonumber(redis.call('HGET', KEYS[1], 'blocked_until')) or 0
  if until_us > cur then
    redis.call('HSET', KEYS[1], 'blocked_until', string.format('%.0f', until_us))
  end
end
local speed = tonumber(redis.call('HGET', KEYS[1], 'speed')) or 32
local change = tonumber(ARGV[2])
if change < 0 then
  speed = math.max(tonumber(ARGV[3]), math.floor(speed / 2))
elseif change > 0 and speed < 32 then
  speed = speed + 1
end
redis.call('HSET', KEYS[1], 'speed', speed)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + block)
return speed
