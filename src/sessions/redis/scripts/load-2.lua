--[[
  Read a session, or only confirm that the caller's cached copy is current.
  KEYS[1] session hash
  KEYS[2] session messages list
  ARGV[1] version tag ('<rev>:<inc>') of the copy the caller has cached ('' for none)
  Returns nil when the session does not exist; {tag} when ARGV[1] is current; else {tag, HGETALL, LRANGE 0 -1}.
]]
--- @include "readState"
return readState(KEYS[1], KEYS[2], ARGV[1])
