-- Gives the lease back, only if the caller still owns it (never someone else's).
-- KEYS[1]  the lease; ARGV[1] the owner's value ("<token>:<owner>")
-- Returns 1 when released, 0 when the caller no longer held it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
