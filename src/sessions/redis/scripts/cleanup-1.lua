--[[
  Remove sessions whose expiry has passed, with all their keys, and drop them from the expiry index.
  A session touched in the meantime has a later score and is not listed.
  KEYS[1] expiry index (zset: session id -> expiry, ms since epoch)
  ARGV[1] key prefix: a session's keys are ARGV[1]..id, ..':m', ..':lock', ..':q' (derived here, as BullMQ
          does; fine on one Redis, not on Redis Cluster)
  ARGV[2] now (ms since epoch)
  ARGV[3] most sessions to remove in this call
  Returns the number of sessions removed.
]]
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local base = ARGV[1] .. id
  redis.call('DEL', base, base .. ':m', base .. ':lock', base .. ':q')
  redis.call('ZREM', KEYS[1], id)
end
return #ids
