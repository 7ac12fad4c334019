-- wrk script for bench/policies.sh: chat.lua's request and RESULT line, with an API key per request taken in turn
-- from BENCH_KEYS (space-separated), so that rate-limit buckets spread over the cluster's partitions.
dofile(os.getenv("BENCH_LIB") .. "/chat.lua")

local keys = {}
for key in string.gmatch(os.getenv("BENCH_KEYS") or "", "%S+") do
  keys[#keys + 1] = key
end
local n = 0

request = function()
  if #keys == 0 then
    return wrk.format()
  end
  n = n + 1
  wrk.headers["Authorization"] = "Bearer " .. keys[(n % #keys) + 1]
  return wrk.format()
end
