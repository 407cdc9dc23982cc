-- Scenario `upload`: issue an upload into a random table of a random seeded product, without
-- an Idempotency-Key. Every body differs (its file name and size), so daap derives a new key,
-- signs a form and records the upload: one row written with its idempotency record, in one
-- transaction that holds the product's row lock, as a table creation does but without a
-- version. The server runs without an upload bucket (the local store): signing is an HMAC.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
local schema = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "schema.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local counter = 0

function request()
   counter = counter + 1
   local i, t = random_product(), math.random(1, #schema.tables)
   local path = string.format("/v1/schemas/dp:%s:%s/uploads", product_name(i), schema.tables[t])
   local body = string.format(
      [[{"filename":"bench_%d_%d.csv","contentMD5":"1B2M2Y8AsgTpgAmY7PhCfg==","contentLength":%d}]],
      thread_id, counter, 1000 + counter)
   return wrk.format(nil, path, nil, body)
end
