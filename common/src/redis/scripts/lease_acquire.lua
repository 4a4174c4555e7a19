-- Takes the lease if nobody holds it: set-if-absent with expiry, and a fencing token
-- from a counter that only ever grows.
-- KEYS[1]  the lease (value "<token>:<owner>")
-- KEYS[2]  the fencing counter (never expires)
-- ARGV[1]  owner id (random per acquisition)
-- ARGV[2]  time to live, ms
-- Returns {1, token} when taken, {0, ms until the holder's lease expires} when held.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('PTTL', KEYS[1])}
end
-- A missing counter (a new lease, or a Redis that lost its data) starts at the current
-- time in microseconds, so tokens still grow across a restart without persistence.
if redis.call('EXISTS', KEYS[2]) == 0 then
  local t = redis.call('TIME')
  redis.call('SET', KEYS[2], string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])))
end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], string.format('%.0f:%s', token, ARGV[1]), 'NX', 'PX', ARGV[2])
return {1, token}
