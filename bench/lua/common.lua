-- Shared by every wrk scenario (loaded with dofile from the scenario script).
--
-- wrk only counts responses with status >= 400 as errors, so a stray 3xx or 1xx would pass
-- unnoticed; here every thread counts all non-2xx responses itself and keeps one example body
-- so that a failing run says why. done() prints one `BENCH_JSON {...}` line that
-- bench/report.py reads, which avoids parsing wrk's human-oriented units ("1.23ms", "4.5k").

local threads = {}
local thread_count = 0

-- Main Lua state: runs once per thread before the run starts.
function setup(thread)
   thread_count = thread_count + 1
   -- Scenarios use thread_id to make values unique across threads (e.g. product names).
   thread:set("thread_id", thread_count)
   table.insert(threads, thread)
end

-- Thread state. Scenarios that need per-thread initialisation define init_scenario().
function init(args)
   -- Different threads must not draw the same sequence of random product numbers.
   math.randomseed(os.time() * 1000 + thread_id)
   responses = 0
   non2xx = 0
   statuses = {}
   sample_error = nil
   if init_scenario then
      init_scenario(args)
   end
end

function response(status, headers, body)
   responses = responses + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      local key = tostring(status)
      statuses[key] = (statuses[key] or 0) + 1
      if sample_error == nil then
         sample_error = key .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

-- Minimal JSON encoding for the summary: numbers, strings and flat tables of numbers.
local function json_string(s)
   s = string.gsub(s, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

local function json_object(t)
   local parts = {}
   for k, v in pairs(t) do
      local value
      if type(v) == "number" then
         value = string.format("%.17g", v)
      elseif type(v) == "table" then
         value = json_object(v)
      else
         value = json_string(tostring(v))
      end
      table.insert(parts, json_string(tostring(k)) .. ":" .. value)
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

-- Main Lua state: runs once after the run, with wrk's own totals.
function done(summary, latency, requests)
   local lua_responses, lua_non2xx, by_status, samples = 0, 0, {}, {}
   for _, thread in ipairs(threads) do
      lua_responses = lua_responses + (thread:get("responses") or 0)
      lua_non2xx = lua_non2xx + (thread:get("non2xx") or 0)
      for status, count in pairs(thread:get("statuses") or {}) do
         by_status[status] = (by_status[status] or 0) + count
      end
      local sample = thread:get("sample_error")
      if sample then
         table.insert(samples, sample)
      end
   end
   local result = {
      requests = summary.requests,
      duration_us = summary.duration,
      bytes = summary.bytes,
      errors = {
         connect = summary.errors.connect,
         read = summary.errors.read,
         write = summary.errors.write,
         timeout = summary.errors.timeout,
         status = summary.errors.status, -- wrk's "Non-2xx or 3xx responses" (status >= 400)
      },
      latency_us = {
         min = latency.min,
         mean = latency.mean,
         max = latency.max,
         stdev = latency.stdev,
         p50 = latency:percentile(50),
         p90 = latency:percentile(90),
         p99 = latency:percentile(99),
         p999 = latency:percentile(99.9),
      },
      lua_responses = lua_responses,
      lua_non2xx = lua_non2xx,
      lua_non2xx_by_status = by_status,
   }
   if #samples > 0 then
      result.sample_error = samples[1]
   end
   io.write("BENCH_JSON " .. json_object(result) .. "\n")
end
