#include "features/RedisCardScript.h"

namespace fraud {

const std::string_view kRedisRecordScript = R"lua(
local log = redis.call('GET', KEYS[1])
redis.call('APPEND', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return log
)lua";

const std::string_view kRedisCompactScript = R"lua(
local log = redis.call('GET', KEYS[1])
local prefix = tonumber(ARGV[1])
if not log or #log < prefix or string.sub(log, 1, #ARGV[2]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3] .. string.sub(log, prefix + 1), 'KEEPTTL')
return 1
)lua";

}  // namespace fraud
