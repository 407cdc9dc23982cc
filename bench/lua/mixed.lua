-- Scenario `mixed`: 90 % reads and 10 % writes, drawn per request:
--   55 % GET a product (latest)         15 % GET an old version     19 % GET a table (latest)
--    1 % GET the first list page         5 % PUT metadata            3 % PUT a table (minor)
--    2 % POST a new product
-- (what each kind does is as in the single-kind scenarios). The counts sent per kind are
-- reported under `sent`.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "common.lua")
local schema = dofile(dir .. "schema.lua")
-- put_metadata_body() and post_body(); their request() is replaced by the one below.
dofile(dir .. "put.lua")
dofile(dir .. "post.lua")
-- Those scripts set a method and a JSON content type for every request: back to plain GETs.
wrk.method = "GET"
wrk.headers["Content-Type"] = nil

local counter = 0

local function json_request(method, path, body)
   return wrk.format(method, path, { ["Content-Type"] = "application/json" }, body)
end

function request()
   counter = counter + 1
   local roll = math.random(1, 100)
   local i = random_product()
   if roll <= 55 then
      count_sent("get")
      return wrk.format("GET", "/v1/data-products/dp:" .. product_name(i))
   elseif roll <= 70 then
      count_sent("get_old")
      return wrk.format("GET", string.format("/v1/data-products/dp:%s:v1.%d", product_name(i),
         math.random(0, 9)))
   elseif roll <= 89 then
      count_sent("get_schema")
      return wrk.format("GET", schema.path(i, math.random(0, 9)))
   elseif roll <= 90 then
      count_sent("list")
      return wrk.format("GET", "/v1/data-products?limit=100")
   elseif roll <= 95 then
      count_sent("put")
      return json_request("PUT", "/v1/data-products/dp:" .. product_name(i),
         put_metadata_body(string.format("mixed, thread %d, request %d", thread_id, counter)))
   elseif roll <= 98 then
      count_sent("put_schema_minor")
      local t = schema.minor_tables[math.random(1, #schema.minor_tables)]
      return json_request("PUT", schema.path(i, t),
         schema.minor_body(i, t, string.format("mixed t%d_%d", thread_id, counter)))
   else
      count_sent("post")
      return json_request("POST", "/v1/data-products", post_body())
   end
end
