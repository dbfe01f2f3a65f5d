-- releaseLock(lockKey, queueKey, token, channel, id): deletes the lock if `token` holds it, and tells waiting
-- instances (if any wait) on `channel` that session `id` is free. Returns 1 when released, 0 when not ours.
local function releaseLock(lockKey, queueKey, token, channel, id)
  if redis.call('GET', lockKey) ~= token then return 0 end
  redis.call('DEL', lockKey)
  if redis.call('EXISTS', queueKey) == 1 then redis.call('PUBLISH', channel, id) end
  return 1
end
