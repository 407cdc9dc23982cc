-- Scenario `get_schema`: read one table (10-60 columns) of a random seeded product, latest.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
local schema = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "schema.lua")

function request()
   return wrk.format("GET", schema.path(random_product(), math.random(0, 9)))
end
