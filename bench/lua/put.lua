-- Scenario `put`: replace a random seeded product's metadata. The description differs on every
-- request, so every PUT really writes a new minor version (an unchanged PUT writes nothing and
-- would measure a cheaper path). The response lists the product's 10 tables.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"

local counter = 0

-- Also used by the mixed scenario.
function put_metadata_body(tag)
   return string.format(
      [[{"description":"Updated by the daap HTTP benchmark (%s).",]] ..
      [["domain":"HMPPS","dataProductOwner":"owner@example.org",]] ..
      [["dataProductOwnerDisplayName":"Owner","email":"team@example.org","status":"draft",]] ..
      [["retentionPeriod":365,"dpiaRequired":false,"tags":{"k":"v"}}]], tag)
end

function request()
   counter = counter + 1
   local tag = string.format("thread %d, request %d", thread_id, counter)
   return wrk.format(nil, "/v1/data-products/dp:" .. product_name(random_product()), nil,
      put_metadata_body(tag))
end
