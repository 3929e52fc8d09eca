"""Lua scripts for the Redis store. Each is one atomic step that writes and sets expiry together.

Every key a script touches, in KEYS or through the room's index set (COMMIT refreshes the keys the
index lists), and the channel COMMIT publishes on, start with hearth:{CODE}: and so share the
room's hash tag: one cluster slot per room (tests/test_store_cluster.py checks every call).

Nothing in the store may pair who answered with what was answered, not even by position: small
Redis hashes and sets iterate in insertion order, so the people of a room, the ballots of an
activity and its tally are sorted sets whose order is not arrival. `people` and `ballots` hold
every member at score 0, so they iterate in the order of their members, which start with a
digest (random with respect to arrival); a member is found by its prefix with ZRANGEBYLEX. The
tally is ordered by count. A person's side is kept only as a tag made with their own token, and a
ballot's side only as a tag made with the ballot's secret: the store alone cannot read either.
"""

# KEYS: state, index. ARGV: version, doc, ttl.
CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'doc', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"""

# KEYS: state, accepting, index. ARGV: expected version, doc, accepting id or '', ttl, channel,
# 'S' to publish on the room's shard channel (a cluster: SPUBLISH stays on the room's primary and
# its replicas) or 'P' for plain PUBLISH (one Redis, Sentinel).
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
if ARGV[6] == 'S' then
  redis.call('SPUBLISH', ARGV[5], 'S' .. ARGV[2])
else
  redis.call('PUBLISH', ARGV[5], 'S' .. ARGV[2])
end
return 1
"""

# The member of a lex-ordered set (all scores 0) that starts with `id|`, or false.
_FIND = """
local function find(k, id)
  local found = redis.call('ZRANGEBYLEX', k, '[' .. id .. '|', '(' .. id .. '}', 'LIMIT', 0, 1)
  return found[1] or false
end
"""

# KEYS: state, people, index. ARGV: who, cap, ttl.
JOIN = (
    _FIND
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
if not find(KEYS[2], ARGV[1]) then
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 'full' end
  redis.call('ZADD', KEYS[2], 0, ARGV[1] .. '|')
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], KEYS[2])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 'ok'
"""
)

# KEYS: people. ARGV: who. The person's side tag ('' for none), or false.
MEMBER = (
    _FIND
    + """
local member = find(KEYS[1], ARGV[1])
if not member then return false end
return string.sub(member, #ARGV[1] + 2)
"""
)

# KEYS: people. ARGV: who, side tag, ttl.
SET_SIDE = (
    _FIND
    + """
local member = find(KEYS[1], ARGV[1])
if not member then return 0 end
redis.call('ZREM', KEYS[1], member)
redis.call('ZADD', KEYS[1], 0, ARGV[1] .. '|' .. ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""
)

# KEYS: people, pause, word. ARGV: who.
LEAVE = (
    _FIND
    + """
local member = find(KEYS[1], ARGV[1])
if member then redis.call('ZREM', KEYS[1], member) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
"""
)

# KEYS: accepting, people, who, ballots, tally, index.
# ARGV: activity, who, ballot, cells (JSON array), text, ttl, random score, has text ('1'/'0'),
#       the person's side tags (JSON {tag: side}), this ballot's side tags (JSON {side: tag}, or
#       '' when the caller believes the person is on no side: each tag is an HMAC to make).
# "who" is a sorted set scored at random, so not even its order follows arrival. A ballot keeps
# its cells, its text and its side tag; the per-side cells ("t:<side>|<cell>") live only in the
# tally, as counts. Without the ballot's tags when they are needed (the person is on a side, or
# the answer it replaces was), nothing is written and 'sides' asks for them.
# A change of mind moves only the counts that change (its old cells less its new ones, and back),
# and writes a key only to change it; each key written gets its expiry in the same step. The
# three keys join the room's index with the activity's first answer (COMMIT refreshes what the
# index lists). Numbers go to redis.call as strings: Lua's number-to-text conversion was a tenth
# of the script's time.
SUBMIT = (
    _FIND
    + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'closed', 0} end
local member = find(KEYS[2], ARGV[2])
if not member then return {'unknown', 0} end
local side = cjson.decode(ARGV[9])[string.sub(member, #ARGV[2] + 2)] or ''
local given = ARGV[10] ~= ''
local tags = given and cjson.decode(ARGV[10]) or {}
local sides = {}
for s, tag in pairs(tags) do sides[tag] = s end
local prev = find(KEYS[4], ARGV[3])
local seen = redis.call('ZSCORE', KEYS[3], ARGV[2])
local old = nil
if seen then
  if not prev then return {'conflict', 0} end
  old = cjson.decode(string.sub(prev, #ARGV[3] + 2))
elseif prev then
  return {'conflict', 0}
end
if not given and (side ~= '' or (old and old.s)) then return {'sides', 0} end
local delta, order = {}, {}
local function add(cell, by)
  if delta[cell] == nil then delta[cell] = 0; order[#order + 1] = cell end
  delta[cell] = delta[cell] + by
end
local function count(cells, s, by)
  for _, c in ipairs(cells) do
    add(c, by)
    if s ~= '' and c ~= 'pass' then add('t:' .. s .. '|' .. c, by) end
  end
end
local cells = cjson.decode(ARGV[4])
local value = {c = cells}
if ARGV[8] == '1' then value.t = ARGV[5] end
if side ~= '' then value.s = tags[side] end
local entry = ARGV[3] .. '|' .. cjson.encode(value)
if old then
  count(old.c, old.s and sides[old.s] or '', -1)
  if entry ~= prev then
    redis.call('ZADD', KEYS[4], '0', entry)
    redis.call('ZREM', KEYS[4], prev)
    redis.call('EXPIRE', KEYS[4], ARGV[6])
  end
else
  redis.call('ZADD', KEYS[3], ARGV[7], ARGV[2])
  redis.call('EXPIRE', KEYS[3], ARGV[6])
  redis.call('ZADD', KEYS[4], '0', entry)
  redis.call('EXPIRE', KEYS[4], ARGV[6])
end
count(cells, side, 1)
-- A cell is in the old answer once at most and in the new once at most: its move is -1, 0 or 1.
local counted = false
for _, cell in ipairs(order) do
  local by = delta[cell]
  if by ~= 0 then
    redis.call('ZINCRBY', KEYS[5], by == 1 and '1' or '-1', cell)
    counted = true
  end
end
if counted then redis.call('EXPIRE', KEYS[5], ARGV[6]) end
local answered = redis.call('ZCARD', KEYS[3])
if answered == 1 and not old then
  redis.call('SADD', KEYS[6], KEYS[3], KEYS[4], KEYS[5])
  redis.call('EXPIRE', KEYS[6], ARGV[6])
end
return {'stored', answered}
"""
)

# KEYS: state, presence, index. ARGV: process, count, "count:at", ttl. Only while the room
# exists: a socket closing just after another process ended the room must not bring keys back.
PRESENCE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
else
  redis.call('HDEL', KEYS[2], ARGV[1])
end
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], KEYS[2])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return 1
"""

# KEYS: state, pause (or word), index. ARGV: who, at (0 for word: ordered by digest), ttl.
PAUSE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], KEYS[2])
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1
"""
