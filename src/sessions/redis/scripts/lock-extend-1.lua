--[[
  Extend a session lock's lease if the caller still holds it.
  KEYS[1] session lock
  ARGV[1] token
  ARGV[2] new lease (ms)
  Returns 1 when extended, 0 when the lock is not (or no longer) the caller's.
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
