-- Scenario `get`: read one product by id, a different random seeded product per request, so
-- the run is not served by one hot row.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

local products = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")

function request()
   return wrk.format("GET", string.format("/v1/data-products/dp:product_%05d", math.random(1, products)))
end
