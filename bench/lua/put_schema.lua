-- Scenarios `put_schema_minor` and `put_schema_major` (BENCH_CHANGE=minor or major): replace a
-- table of a random seeded product, each request a real change that writes one new version
-- (bench/lua/schema.lua explains how a body is always minor, or always major).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
local schema = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "schema.lua")

wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"

local major = os.getenv("BENCH_CHANGE") == "major"
local tables = major and schema.major_tables or schema.minor_tables
local counter = 0

function request()
   counter = counter + 1
   local i, t = random_product(), tables[math.random(1, #tables)]
   local tag = string.format("t%d_%d", thread_id, counter)
   local body = major and schema.major_body(i, t, tag) or schema.minor_body(i, t, tag)
   return wrk.format(nil, schema.path(i, t), nil, body)
end
