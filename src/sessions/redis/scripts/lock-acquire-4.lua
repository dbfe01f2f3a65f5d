--[[
  Take a session's lock (SET NX PX with a random token) in arrival order, hand out the next fencing token, and
  read the session in the same step. A caller that must wait is queued once, with its own deadline; waiters
  whose deadline has passed are dropped when they reach the head of the queue. Times are Redis's (TIME).
  KEYS[1] session lock (string: the holder's token)
  KEYS[2] session lock wait queue (zset: '<deadline, µs>:<token>' -> arrival, µs)
  KEYS[3] session hash (field fence: the per-session fencing counter)
  KEYS[4] session messages list
  ARGV[1] token
  ARGV[2] lease (ms)
  ARGV[3] how long the caller waits (ms; 0: do not queue)
  ARGV[4] version tag ('<rev>:<inc>') of the copy the caller has cached ('' for none)
  ARGV[5] the caller's queue entry from an earlier WAIT reply ('' the first time)
  Returns {'OK', fencing token, state}     state as load-2.lua
          {'WAIT', lock's remaining ms, queue entry ('' when not queued)}
          {'NOT_FOUND'}
]]
--- @include "readState"
local lockKey, queueKey, hashKey = KEYS[1], KEYS[2], KEYS[3]
local token, waitMs, entry = ARGV[1], tonumber(ARGV[3]), ARGV[5]
if redis.call('EXISTS', hashKey) == 0 then
  if entry ~= '' then redis.call('ZREM', queueKey, entry) end
  return {'NOT_FOUND'}
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
while true do
  local head = redis.call('ZRANGE', queueKey, 0, 0)[1]
  if not head then break end
  local deadline = tonumber(string.match(head, '^(%d+):'))
  if deadline and deadline >= now then break end
  redis.call('ZREM', queueKey, head)
end

if redis.call('EXISTS', lockKey) == 0 then
  local head = redis.call('ZRANGE', queueKey, 0, 0)[1]
  if not head or head == entry then
    redis.call('SET', lockKey, token, 'PX', ARGV[2])
    if entry ~= '' then redis.call('ZREM', queueKey, entry) end
    local fence = redis.call('HINCRBY', hashKey, 'fence', 1)
    return {'OK', fence, readState(hashKey, KEYS[4], ARGV[4])}
  end
end

if entry == '' and waitMs > 0 then
  entry = string.format('%.0f', now + waitMs * 1000) .. ':' .. token
  redis.call('ZADD', queueKey, string.format('%.0f', now), entry)
  if redis.call('PTTL', queueKey) < waitMs then redis.call('PEXPIRE', queueKey, waitMs) end
end
return {'WAIT', redis.call('PTTL', lockKey), entry}
