--[[
  Delete a session with its messages, lock and wait queue; waiting instances are told so they stop waiting.
  KEYS[1] session hash
  KEYS[2] session messages list
  KEYS[3] session lock
  KEYS[4] session lock wait queue
  KEYS[5] expiry index (zset)
  ARGV[1] session id
  ARGV[2] lock-release channel
  Returns 1 when the session existed, else 0.
]]
local existed = redis.call('EXISTS', KEYS[1])
if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('PUBLISH', ARGV[2], ARGV[1]) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
return existed
