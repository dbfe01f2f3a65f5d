--[[
  Apply one batch of changes to a session atomically: compare-and-set of the encrypted data, counter increments,
  appends to the bounded message window, an expiry extension; then, optionally, release the session's lock.
  A write carrying a fencing token older than the newest one handed out is refused.
  KEYS[1] session hash
  KEYS[2] session messages list
  KEYS[3] session lock
  KEYS[4] session lock wait queue
  KEYS[5] expiry index (zset: session id -> expiry, ms since epoch)
  ARGV[1] session id
  ARGV[2] now (ms since epoch): the new last-activity time
  ARGV[3] fencing token of the lock the write is made under ('' for none)
  ARGV[4] data version the new data was computed from ('' leaves the data alone)
  ARGV[5] new encrypted data (with ARGV[4])
  ARGV[6] new expiry (ms since epoch; '' keeps the current one)
  ARGV[7] size of the message window
  ARGV[8] lock token to release after the write ('' for none)
  ARGV[9] lock-release channel
  ARGV[10] version tag ('<rev>:<inc>') of the copy the caller has cached ('' for none)
  ARGV[11] number n of counter increments, then n pairs (hash field, integer delta) in ARGV[12 .. 11+2n]
  ARGV[12+2n ..] encrypted messages to append, oldest first
  Returns
    {'OK', rev, dv, exp, counter values after the increments, in ARGV order}   (integers)
        when ARGV[10] was current before the write (the caller applies the same changes to its copy)
    {'FULL', HGETALL, LRANGE messages}   after the write, when the caller's copy was not current
    {'NOT_FOUND'}
    {'STALE', newest fencing token}
    {'CONFLICT', state}   the data changed since ARGV[4]; state as readState(ARGV[10]) (see load-2.lua)
]]
--- @include "readState"
--- @include "releaseLock"
--- @include "pushAll"
-- Kept lean: this runs on every write, and its time in Redis is most of what a write costs there. Numbers
-- are left to Lua's string coercion and HSET's formatting rather than converted back and forth.
local hashKey, messagesKey = KEYS[1], KEYS[2]
local current = redis.call('HMGET', hashKey, 'rev', 'dv', 'fence', 'exp', 'inc')
local prevRev, dv, exp = current[1], current[2], current[4]
if not prevRev then return {'NOT_FOUND'} end
local fence = ARGV[3]
if fence ~= '' and tonumber(fence) < tonumber(current[3] or '0') then return {'STALE', tonumber(current[3])} end

local rev = prevRev + 1
local newExp = ARGV[6]
local fields = {'rev', rev, 'active', ARGV[2]}
local n = 4
if ARGV[4] ~= '' then
  if dv ~= ARGV[4] then return {'CONFLICT', readState(hashKey, messagesKey, ARGV[10])} end
  dv = dv + 1
  fields[5] = 'd'; fields[6] = ARGV[5]; fields[7] = 'dv'; fields[8] = dv
  n = 8
end
if newExp ~= '' then
  exp = newExp
  fields[n + 1] = 'exp'; fields[n + 2] = exp
  redis.call('PEXPIREAT', hashKey, exp)
  redis.call('ZADD', KEYS[5], exp, ARGV[1])
end
redis.call('HSET', hashKey, unpack(fields))

local result = {'OK', rev, tonumber(dv), tonumber(exp)}
local counters = tonumber(ARGV[11])
for i = 1, counters do
  result[4 + i] = redis.call('HINCRBY', hashKey, ARGV[10 + 2 * i], ARGV[11 + 2 * i])
end
local firstMessage = 12 + 2 * counters
if #ARGV >= firstMessage then
  pushAll(messagesKey, firstMessage)
  redis.call('LTRIM', messagesKey, -tonumber(ARGV[7]), -1)
  redis.call('PEXPIREAT', messagesKey, exp)
elseif newExp ~= '' then
  redis.call('PEXPIREAT', messagesKey, exp)
end

if ARGV[8] ~= '' then releaseLock(KEYS[3], KEYS[4], ARGV[8], ARGV[9], ARGV[1]) end
if prevRev .. ':' .. (current[5] or '') == ARGV[10] then return result end
return {'FULL', redis.call('HGETALL', hashKey), redis.call('LRANGE', messagesKey, 0, -1)}
