--[[
  Replace a session's encrypted data and whole message window with the same values encrypted under the primary
  key, if nothing changed since the caller read them (key rotation).
  KEYS[1] session hash
  KEYS[2] session messages list
  ARGV[1] version tag ('<rev>:<inc>') the caller read
  ARGV[2] re-encrypted data
  ARGV[3 ..] re-encrypted messages, oldest first
  Returns 1 when rewritten, 0 when the session changed since (read again), -1 when it no longer exists.
]]
--- @include "pushAll"
local version = redis.call('HMGET', KEYS[1], 'rev', 'inc')
if not version[1] then return -1 end
if version[1] .. ':' .. (version[2] or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'd', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'dv', 1)
redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('DEL', KEYS[2])
if #ARGV >= 3 then
  pushAll(KEYS[2], 3)
  redis.call('PEXPIREAT', KEYS[2], redis.call('HGET', KEYS[1], 'exp'))
end
return 1
