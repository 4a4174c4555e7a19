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
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], string.format('%d:%s', token, ARGV[1]), 'NX', 'PX', ARGV[2])
return {1, token}
