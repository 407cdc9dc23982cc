-- Scenario `get_old`: read an exact old version `dp:product_NNNNNN:v1.M` of a random seeded
-- product, M from 0 (just registered, no tables) to 9 (nine tables); the latest is v1.10.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")

function request()
   return wrk.format("GET", string.format("/v1/data-products/dp:%s:v1.%d",
      product_name(random_product()), math.random(0, 9)))
end
