-- pushAll(listKey, first): RPUSH ARGV[first..#ARGV] onto listKey in slices (unpack has a stack limit).
local function pushAll(listKey, first)
  for i = first, #ARGV, 1000 do
    redis.call('RPUSH', listKey, unpack(ARGV, i, math.min(i + 999, #ARGV)))
  end
end
