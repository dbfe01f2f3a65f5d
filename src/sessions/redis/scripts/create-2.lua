--[[
  Create a session.
  KEYS[1] session hash
  KEYS[2] expiry index (zset: session id -> expiry, ms since epoch)
  ARGV[1] session id
  ARGV[2] encrypted session data
  ARGV[3] now (ms since epoch)
  ARGV[4] expiry (ms since epoch)
  ARGV[5] incarnation: random, distinguishes this session from an earlier one with the same id
  ARGV[6] most live sessions (SESSION_MAX_SESSIONS): sessions in the index whose expiry is after ARGV[3]
  Returns 1 when created, 0 when a session with this id already exists, -1 when the store is full.
  Hash fields: rev (revision, any change), inc (incarnation), dv (data version, for compare-and-set of d), fence (newest fencing
  token), d (encrypted data), created, active, exp (ms since epoch), c:<counter> (integers, absent = 0).
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[3], '+inf') >= tonumber(ARGV[6]) then return -1 end
redis.call('HSET', KEYS[1], 'rev', 1, 'inc', ARGV[5], 'dv', 1, 'fence', 0, 'd', ARGV[2], 'created', ARGV[3], 'active', ARGV[3], 'exp', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
