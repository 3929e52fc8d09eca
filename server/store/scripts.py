"""Lua scripts for the Redis store. Each is one atomic step that writes and sets expiry together.

Keys outside KEYS (refreshing the room's indexed keys) share the room's hash tag, so they live on
the same cluster slot.
"""

CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'doc', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"""

# KEYS: state, accepting, index. ARGV: expected version, doc, accepting id or '', ttl, channel.
COMMIT = """
local v = redis.call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1]) + 1, 'doc', ARGV[2])
if ARGV[3] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
  redis.call('SADD', KEYS[3], KEYS[2])
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  redis.call('EXPIRE', k, ARGV[4])
end
redis.call('EXPIRE', KEYS[3], ARGV[4])
redis.call('PUBLISH', ARGV[5], 'S' .. ARGV[2])
return 1
"""

# KEYS: state, people, index. ARGV: who, cap, ttl.
JOIN = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[2]) then return 'full' end
  redis.call('HSET', KEYS[2], ARGV[1], '')
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], KEYS[2])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 'ok'
"""

# KEYS: people. ARGV: who, track, ttl.
SET_TRACK = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

# KEYS: accepting, people, who, ballots, tally, index.
# ARGV: activity, who, ballot, cells (JSON array), text, ttl, random score, has text ('1'/'0').
# "who" is a sorted set scored at random, so not even its order follows arrival.
SUBMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'closed', 0} end
local track = redis.call('HGET', KEYS[2], ARGV[2])
if not track then return {'unknown', 0} end
local cells = cjson.decode(ARGV[4])
if track ~= '' then
  local n = #cells
  for i = 1, n do
    if cells[i] ~= 'pass' then cells[#cells + 1] = 't:' .. track .. '|' .. cells[i] end
  end
end
local prev = redis.call('HGET', KEYS[4], ARGV[3])
local seen = redis.call('ZSCORE', KEYS[3], ARGV[2])
if seen then
  if not prev then return {'conflict', 0} end
  for _, c in ipairs(cjson.decode(prev).c) do redis.call('HINCRBY', KEYS[5], c, -1) end
else
  if prev then return {'conflict', 0} end
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[2])
end
local value = {c = cells}
if ARGV[8] == '1' then value.t = ARGV[5] end
redis.call('HSET', KEYS[4], ARGV[3], cjson.encode(value))
for _, c in ipairs(cells) do redis.call('HINCRBY', KEYS[5], c, 1) end
for i = 3, 5 do
  redis.call('EXPIRE', KEYS[i], ARGV[6])
  redis.call('SADD', KEYS[6], KEYS[i])
end
redis.call('EXPIRE', KEYS[6], ARGV[6])
return {'stored', redis.call('ZCARD', KEYS[3])}
"""

# KEYS: a key, index. ARGV: ttl. For small keyed writes that must join the index with a TTL.
INDEXED = """
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1
"""
