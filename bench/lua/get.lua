-- Scenario `get` (and `get_rate`, the same at a fixed rate): read one product's latest
-- version, a different random seeded product per request, so the run is not served by one
-- hot row. The response lists the product's 10 tables.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function request()
   return wrk.format("GET", "/v1/data-products/dp:" .. product_name(random_product()))
end
