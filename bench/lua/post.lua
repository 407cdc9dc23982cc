-- Scenario `post`: register a new product per request. Names must be unique or the server
-- answers 409, so each name combines the wrk thread id with a per-thread counter.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local counter = 0

function request()
   counter = counter + 1
   local body = string.format([[{"name":"bench_%d_%d",]] ..
      [["description":"Registered by the daap HTTP benchmark (thread %d, request %d).",]] ..
      [["domain":"HMPPS","dataProductOwner":"owner@example.org",]] ..
      [["dataProductOwnerDisplayName":"Owner","email":"team@example.org","status":"draft",]] ..
      [["retentionPeriod":365,"dpiaRequired":false,"tags":{"k":"v"}}]],
      thread_id, counter, thread_id, counter)
   return wrk.format(nil, "/v1/data-products", nil, body)
end
