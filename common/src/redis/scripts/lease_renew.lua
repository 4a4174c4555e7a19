-- Extends the lease, only if the caller still owns it.
-- KEYS[1]  the lease; ARGV[1] the owner's value ("<token>:<owner>"); ARGV[2] ttl, ms
-- Returns 1 when renewed, 0 when the caller no longer holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
