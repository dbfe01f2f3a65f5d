--[[
  Release a session lock if the caller holds it, and wake waiting instances.
  KEYS[1] session lock
  KEYS[2] session lock wait queue
  ARGV[1] token
  ARGV[2] lock-release channel
  ARGV[3] session id (the message published on ARGV[2])
  Returns 1 when released, 0 when the lock was not (or no longer) the caller's.
]]
--- @include "releaseLock"
return releaseLock(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3])
