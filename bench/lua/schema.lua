-- The tables of the seeded products, rebuilt from the same formulas as bench/seed.sql (KEEP IN
-- SYNC), so that a script can send a schema write against a table's known content without
-- reading it first. bench/fidelity.py checks one product's tables against the server.

local M = {}

-- Sorted, so table t (0-based) is also the t-th in name order.
M.tables = { "appointments", "assessments", "cases", "contacts", "custody_periods",
   "incidents", "locations", "movements", "sentences", "staff" }
-- Canonical spellings, as daap stores them.
local types = { "bigint", "int", "smallint", "tinyint", "boolean", "double", "float", "string",
   "varchar(64)", "varchar", "char(3)", "decimal(10,2)", "decimal(38,0)", "date",
   "timestamp", "binary", "array<string>", "map<string,bigint>",
   "struct<code:string,value:decimal(12,2)>", "array<struct<role:string,age:int>>" }
local words = { "id", "code", "amount", "at", "flag", "note", "ref", "name" }

-- Minor-change scenarios write to tables 0-4 and major-change ones to tables 5-9: a major
-- write leaves a table in a state from which the minor request would be major too.
M.minor_tables = { 0, 1, 2, 3, 4 }
M.major_tables = { 5, 6, 7, 8, 9 }

-- The columns of table t of product i, as { name, type, description } triples.
function M.columns(i, t)
   local name = M.tables[t + 1]
   local out = {}
   for k = 0, 9 + (i * 7 + t * 13) % 51 do
      out[#out + 1] = {
         string.format("c%02d_%s", k, words[1 + (i + k) % 8]),
         types[1 + (i * 3 + t * 5 + k) % 20],
         string.format("Column %d of %s: synthetic, for the daap benchmark.", k, name),
      }
   end
   return out
end

local function column_json(c)
   return string.format('{"name":"%s","type":"%s","description":"%s"}', c[1], c[2], c[3])
end

-- A PUT /v1/schemas body for table t of product i.
function M.body(i, t, columns)
   local parts = {}
   for n, c in ipairs(columns) do
      parts[n] = column_json(c)
   end
   return string.format('{"tableDescription":"%s of data product %d (synthetic, for the daap benchmark).","columns":[%s]}',
      M.tables[t + 1], i, table.concat(parts, ","))
end

-- A minor change whatever the table's current state, as long as only minor writes reach it:
-- the seeded columns with a description no earlier request used (descriptions_changed).
function M.minor_body(i, t, tag)
   local columns = M.columns(i, t)
   columns[1][3] = "Revised by the daap benchmark, " .. tag .. "."
   return M.body(i, t, columns)
end

-- A major change whatever the table's current state, as long as only major writes reach it:
-- the seeded columns without the last one (removed) plus a column no earlier request added,
-- which a later request removes again.
function M.major_body(i, t, tag)
   local columns = M.columns(i, t)
   columns[#columns] = { "m_" .. tag, "string", "Added by the daap benchmark." }
   return M.body(i, t, columns)
end

function M.path(i, t)
   return string.format("/v1/schemas/dp:product_%06d:%s", i, M.tables[t + 1])
end

return M
