"""Lua scripts for the Redis store. Each is one atomic step that writes and sets expiry together.

Every key a script touches, in KEYS or through the room's index set (COMMIT refreshes the keys the
index lists, when server/store/expiry.py says it is due), and the channel COMMIT publishes on,
start with hearth:{CODE}: and so share the room's hash tag: one cluster slot per room
(tests/test_store.py checks every call).

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

# KEYS: state, accepting, index. ARGV: expected version, next version, doc, accepting id or '',
# ttl, channel, 'S' to publish on the room's shard channel (a cluster: SPUBLISH stays on the
# room's primary and its replicas) or 'P' for plain PUBLISH (one Redis, Sentinel), '1' to refresh
# the expiry of every key the index lists ('' not: server/store/expiry.py says when; the state,
# the open activity and the index itself get theirs with every commit).
# The document is published as it is stored (its first byte, "{", is its tag: base.STATE), and the
# next version comes as text: no string is made in Lua, no number converted.
COMMIT = """
local call = redis.call
local v = call('HGET', KEYS[1], 'v')
if not v then return -1 end
if v ~= ARGV[1] then return 0 end
call('HSET', KEYS[1], 'v', ARGV[2], 'doc', ARGV[3])
call('EXPIRE', KEYS[1], ARGV[5])
if ARGV[4] == '' then
  call('DEL', KEYS[2])
else
  call('SET', KEYS[2], ARGV[4], 'EX', ARGV[5])
  call('SADD', KEYS[3], KEYS[2])
end
if ARGV[8] == '1' then
  for _, k in ipairs(call('SMEMBERS', KEYS[3])) do
    call('EXPIRE', k, ARGV[5])
  end
end
call('EXPIRE', KEYS[3], ARGV[5])
if ARGV[7] == 'S' then
  call('SPUBLISH', ARGV[6], ARGV[3])
else
  call('PUBLISH', ARGV[6], ARGV[3])
end
return 1
"""

# The member of a lex-ordered set (all scores 0) that starts with `id|`, or false.
_FIND = """
local function find(k, id)
  local found = redis.call('ZRANGEBYLEX', k, '[' .. id .. '|', '(' .. id .. '}', 'LIMIT', '0', '1')
  return found[1] or false
end
"""

# The side a stored ballot was counted on: the one whose tag (in this ballot's tags, {side: tag},
# '' for no side) the ballot kept, or false when none of those given is it (store.base.Sides.side_of
# does the same for the embedded store).
_SIDE_OF = """
local function side_of(tags, tag)
  if tag then for s, t in pairs(tags) do if t == tag then return s end end end
  return false
end
"""

# KEYS: state, people, index. ARGV: who, cap, ttl, a no-side tag (random: base.unsided_tag).
JOIN = (
    _FIND
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'gone' end
if not find(KEYS[2], ARGV[1]) then
  if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 'full' end
  redis.call('ZADD', KEYS[2], 0, ARGV[1] .. '|' .. ARGV[4])
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

# KEYS: accepting, who, ballots, tally. ARGV: activity, who, ballot, this ballot's side tags
# (JSON {side: tag}), ttl. Takes the answer back from "who", the ballots and the tally (and its
# side's cells) while the activity takes answers and both are there; 1 if it did.
WITHDRAW = (
    _FIND
    + _SIDE_OF
    + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
local entry = find(KEYS[3], ARGV[3])
if not entry then return 0 end
local old = cjson.decode(string.sub(entry, #ARGV[3] + 2))
local side = old.s and side_of(cjson.decode(ARGV[4]), old.s) or ''
for _, c in ipairs(old.c) do
  redis.call('ZINCRBY', KEYS[4], '-1', c)
  if side ~= '' and c ~= 'pass' then
    redis.call('ZINCRBY', KEYS[4], '-1', 't:' .. side .. '|' .. c)
  end
end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], entry)
for i = 2, 4 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return 1
"""
)

# KEYS: accepting, people, who, ballots, tally, index.
# ARGV: one or more answers to the same activity, ten values each: activity, who, ballot, cells
#       (JSON array), text, ttl, random score, has text ('1'/'0'), the person's side tags (JSON
#       {tag: side}), this ballot's side tags (JSON {side: tag}, '' for no side): the one for the
#       side the caller believes the person is on, or, after '*', every side's (each tag is an
#       HMAC to make).
# Returns one {status, answered} per answer, in order. The Batch merges the answers to one
# activity that leave in one pipeline into one call (a burst of answers costs redis-server one
# script's setup, one read of the open activity and one write per key, not one each), and each
# answer is judged in turn as if it had come alone: a phone's second answer in the same call is a
# change of mind of its first.
# "who" is a sorted set scored at random, so not even its order follows arrival. A ballot keeps
# its cells, its text and its side tag, on no side too (a person's entry, likewise, always has a
# tag: people and ballots do not split into those with a side and those without); the per-side
# cells ("t:<side>|<cell>") live only in the tally, as counts. Without the ballot's tag for the
# person's side, or for the side the answer it replaces was on, that answer writes nothing and
# 'sides' asks for every side's.
# Only the counts that change move (old cells less new ones, and back), a key is written only to
# change it, and each key written gets its expiry in the same step. A changed ballot is added
# before the one it replaces goes, so the set never empties. The three keys join the room's index
# with the activity's first answer (COMMIT refreshes what the index lists); the expiry given is
# the last answer's ttl (a process's answers all carry the room's). Numbers go to redis.call as
# strings: Lua's number-to-text conversion was a tenth of the script's time.
SUBMIT = (
    _FIND
    + _SIDE_OF
    + """
local call, decode, encode, sub = redis.call, cjson.decode, cjson.encode, string.sub
local argv, keys = ARGV, KEYS
local n = #argv / 10
local replies = {}
if call('GET', keys[1]) ~= argv[1] then
  for i = 1, n do replies[i] = {'closed', 0} end
  return replies
end
local whos, asked, seen = {}, {}, {}
for i = 0, n - 1 do
  local w = argv[i * 10 + 2]
  if not asked[w] then asked[w] = true; whos[#whos + 1] = w end
end
local scores = call('ZMSCORE', keys[3], unpack(whos))
for i, w in ipairs(whos) do seen[w] = scores[i] ~= false end
local answered = call('ZCARD', keys[3])
local first = answered
local members, stored, entries, touched = {}, {}, {}, {}
local new_whos = {}
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
for i = 1, n do
  local a = (i - 1) * 10
  local who, ballot = argv[a + 2], argv[a + 3]
  local member = members[who]
  if member == nil then member = find(keys[2], who); members[who] = member end
  local prev = entries[ballot]
  if prev == nil then
    prev = find(keys[4], ballot)
    stored[ballot] = prev; entries[ballot] = prev; touched[#touched + 1] = ballot
  end
  local old = nil
  if not member then
    replies[i] = {'unknown', 0}
  elseif seen[who] and not prev or prev and not seen[who] then
    replies[i] = {'conflict', 0}
  else
    if prev then old = decode(sub(prev, #ballot + 2)) end
    local tag = sub(member, #who + 2)
    local side = tag ~= '' and decode(argv[a + 9])[tag] or ''
    local given = argv[a + 10]
    local whole = sub(given, 1, 1) == '*'
    local tags = decode(whole and sub(given, 2) or given)
    local was = old and old.s and side_of(tags, old.s)
    if tags[side] == nil or (old and old.s and not was and not whole) then
      replies[i] = {'sides', 0}
    else
      if old then
        count(old.c, was or '', -1)
      else
        seen[who] = true
        answered = answered + 1
        new_whos[#new_whos + 1] = argv[a + 7]
        new_whos[#new_whos + 1] = who
      end
      local cells = decode(argv[a + 4])
      local value = {c = cells}
      if argv[a + 8] == '1' then value.t = argv[a + 5] end
      value.s = tags[side] -- on no side too: a ballot without one stood out
      entries[ballot] = ballot .. '|' .. encode(value)
      count(cells, side, 1)
      replies[i] = {'stored', answered}
    end
  end
end
local ttl = argv[n * 10 - 4]
if #new_whos > 0 then
  call('ZADD', keys[3], unpack(new_whos))
  call('EXPIRE', keys[3], ttl)
end
local adds, gone = {}, {}
for _, ballot in ipairs(touched) do
  local was, now = stored[ballot], entries[ballot]
  if now ~= was then
    adds[#adds + 1] = '0'; adds[#adds + 1] = now
    if was then gone[#gone + 1] = was end
  end
end
if #adds > 0 then
  call('ZADD', keys[4], unpack(adds))
  if #gone > 0 then call('ZREM', keys[4], unpack(gone)) end
  call('EXPIRE', keys[4], ttl)
end
local counted = false
for _, cell in ipairs(order) do
  local by = delta[cell]
  if by ~= 0 then
    call('ZINCRBY', keys[5], by == 1 and '1' or (by == -1 and '-1' or tostring(by)), cell)
    counted = true
  end
end
if counted then call('EXPIRE', keys[5], ttl) end
if first == 0 and answered > 0 then
  call('SADD', keys[6], keys[3], keys[4], keys[5])
  call('EXPIRE', keys[6], ttl)
end
return replies
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

# KEYS: pause, word[, who answered the live activity]. ARGV: who. Whether this participant's two
# signals are on and whether they answered (1/0 each): read in one call when a phone rejoins, so
# it shows what the room still counts (a reconnect storm's reads leave in one pipeline).
SIGNALS = """
local answered = 0
if KEYS[3] and redis.call('ZSCORE', KEYS[3], ARGV[1]) then answered = 1 end
return {redis.call('ZSCORE', KEYS[1], ARGV[1]) and 1 or 0,
        redis.call('ZSCORE', KEYS[2], ARGV[1]) and 1 or 0, answered}
"""
