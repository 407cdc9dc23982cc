-- Scenario `post`: register a new product per request, without an Idempotency-Key, so daap
-- derives one and stores the response (part of the real cost of a registration). Names must
-- be unique or the server answers 409, so each combines the wrk thread id with a per-thread
-- counter; BENCH_NAME_PREFIX keeps the names of different scenarios apart.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local prefix = os.getenv("BENCH_NAME_PREFIX") or "bench"
local counter = 0

-- Also used by the mixed scenario.
function post_body()
   counter = counter + 1
   return string.format([[{"name":"%s_%d_%d",]] ..
      [["description":"Registered by the daap HTTP benchmark (thread %d, request %d).",]] ..
      [["domain":"HMPPS","dataProductOwner":"owner@example.org",]] ..
      [["dataProductOwnerDisplayName":"Owner","email":"team@example.org","status":"draft",]] ..
      [["retentionPeriod":365,"dpiaRequired":false,"tags":{"k":"v"}}]],
      prefix, thread_id, counter, thread_id, counter)
end

function request()
   return wrk.format(nil, "/v1/data-products", nil, post_body())
end
