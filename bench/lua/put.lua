-- Scenario `put`: replace a random seeded product's metadata. The description differs on every
-- request, so every PUT really writes a new minor version (an unchanged PUT writes nothing and
-- would measure a cheaper path).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"

local products = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")
local counter = 0

function request()
   counter = counter + 1
   local path = string.format("/v1/data-products/dp:product_%05d", math.random(1, products))
   local body = string.format(
      [[{"description":"Updated by the daap HTTP benchmark (thread %d, request %d).",]] ..
      [["domain":"HMPPS","dataProductOwner":"owner@example.org",]] ..
      [["dataProductOwnerDisplayName":"Owner","email":"team@example.org","status":"draft",]] ..
      [["retentionPeriod":365,"dpiaRequired":false,"tags":{"k":"v"}}]],
      thread_id, counter)
   return wrk.format(nil, path, nil, body)
end
