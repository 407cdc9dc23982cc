-- Scenarios `health`, `list`, `list_deep`, `list_filtered` and `list_filtered_deep`: the same
-- GET again and again, to the path and query given in wrk's URL argument (for the lists, the
-- first page or a deep page's `nextLink` found before the run).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
