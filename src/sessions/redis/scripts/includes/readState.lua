-- readState(hashKey, messagesKey, knownTag): the session as stored, for the client to decode. A version tag is
-- '<rev>:<inc>': the revision and the random incarnation set at creation, so that a session deleted and created
-- again under the same id never matches a copy cached from its previous life.
--   false                the session does not exist (or has expired)
--   {tag}                knownTag is still current: the caller's cached copy is current
--   {tag, HGETALL hash, LRANGE messages 0 -1}   otherwise
local function readState(hashKey, messagesKey, knownTag)
  local version = redis.call('HMGET', hashKey, 'rev', 'inc')
  if not version[1] then return false end
  local tag = version[1] .. ':' .. (version[2] or '')
  if tag == knownTag then return {tag} end
  return {tag, redis.call('HGETALL', hashKey), redis.call('LRANGE', messagesKey, 0, -1)}
end
