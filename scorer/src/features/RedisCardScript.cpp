#include "features/RedisCardScript.h"

namespace fraud {

const std::string_view kRedisCardScript = R"lua(
local raw = redis.call('GET', KEYS[1])
local s = {}
if raw then s = cmsgpack.unpack(raw) end
if ARGV[1] ~= 'w' then return s end

local t, amount, merchant = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local hasDevice, device, tag = ARGV[5] == '1', tonumber(ARGV[6]), tonumber(ARGV[7])
local ttl = tonumber(ARGV[8])
local eventCap, merchantCap, deviceCap = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])

local n = s[1] or 0
local times, amounts, tags = {}, {}, {}
for i = 1, n do
  times[i], amounts[i], tags[i] = s[1 + i], s[1 + n + i], s[1 + 2 * n + i]
end
local function readSeen(at)
  local list, c = {}, s[at] or 0
  for i = 1, c do list[i] = {s[at + 2 * i - 1], s[at + 2 * i]} end
  return list, at + 1 + 2 * c
end
local merchants, devices, at
merchants, at = readSeen(2 + 3 * n)
devices, at = readSeen(at)

if tag ~= 0 then
  for i = 1, n do
    if tags[i] == tag and times[i] == t then
      redis.call('EXPIRE', KEYS[1], ttl)
      return s
    end
  end
end

if n < eventCap then
  n = n + 1
  times[n], amounts[n], tags[n] = t, amount, tag
else
  local slot = 1
  for i = 2, n do
    if times[i] < times[slot] then slot = i end
  end
  if times[slot] < t then
    times[slot], amounts[slot], tags[slot] = t, amount, tag
  end
end

local function remember(list, cap, h)
  for i = 1, #list do
    if list[i][1] == h then
      local e = table.remove(list, i)
      if t < e[2] then e[2] = t end
      table.insert(list, 1, e)
      return
    end
  end
  table.insert(list, 1, {h, t})
  if #list > cap then table.remove(list) end
end
remember(merchants, merchantCap, merchant)
if hasDevice then remember(devices, deviceCap, device) end

local out = {n}
for i = 1, n do out[1 + i] = times[i] end
for i = 1, n do out[1 + n + i] = amounts[i] end
for i = 1, n do out[1 + 2 * n + i] = tags[i] end
local function writeSeen(list)
  out[#out + 1] = #list
  for i = 1, #list do
    out[#out + 1] = list[i][1]
    out[#out + 1] = list[i][2]
  end
end
writeSeen(merchants)
writeSeen(devices)
redis.call('SET', KEYS[1], cmsgpack.pack(out), 'EX', ttl)
return s
)lua";

}  // namespace fraud
