-- The fencing check of a write path: is `token` the current holder's?
-- KEYS[1]  the lease; ARGV[1] the token the writer presents
-- Returns {1, token} when it is, {0, current holder's token or 0 when nobody holds it}.
local v = redis.call('GET', KEYS[1])
if not v then
  return {0, 0}
end
local current = tonumber(string.match(v, '^(%d+):'))
if current == tonumber(ARGV[1]) then
  return {1, current}
end
return {0, current or 0}
