-- Shared by every wrk scenario (loaded with dofile from the scenario script).
--
-- wrk only counts responses with status >= 400 as errors, so a stray 3xx or 1xx would pass
-- unnoticed; here every thread counts all non-2xx responses itself (and 5xx separately: the
-- write target allows no 5xx at all) and keeps one example body so that a failing run says
-- why. done() prints one `BENCH_JSON {...}` line that bench/report.py reads, which avoids
-- parsing wrk's human-oriented units ("1.23ms", "4.5k").
--
-- Environment (set by bench/run.sh):
--   BENCH_PRODUCTS  number of seeded products `product_000001`...
--   BENCH_RATE      if set, the total request rate to hold (requests/s, over all threads); see
--                   delay() below. Unset: every connection sends as fast as it can.
--   BENCH_THREADS   wrk's -t, to split BENCH_RATE between the threads.

products = tonumber(os.getenv("BENCH_PRODUCTS") or "10000")

-- A seeded product's name (bench/seed.sql: `product_` and six digits).
function product_name(i)
   return string.format("product_%06d", i)
end

function random_product()
   return math.random(1, products)
end

-- Scenarios may count what they sent by kind (the mixed scenario does); reported as `sent`.
sent = {}
function count_sent(kind)
   sent[kind] = (sent[kind] or 0) + 1
end

-- Rate limiting without wrk2 (not packaged in Debian): wrk asks delay() how many ms to wait
-- before each request on a connection. Each thread keeps a schedule of evenly spaced send
-- times at its share of the rate, and a connection ready to send takes the next slot and
-- waits until it. wrk measures latency from the actual send, so this is an open-loop rate
-- with ms-granular timers, not coordinated-omission-corrected like wrk2: run it well below
-- capacity (bench/run.sh uses half the measured maximum) and compare the achieved rate with
-- the target.
local rate = tonumber(os.getenv("BENCH_RATE") or "")
if rate and rate > 0 then
   local ffi = require("ffi")
   ffi.cdef [[
      typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
      int clock_gettime(int clock_id, bench_timespec *tp);
   ]]
   local ts = ffi.new("bench_timespec")
   local function now_ms()
      ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
      return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
   end
   local interval = tonumber(os.getenv("BENCH_THREADS") or "1") * 1000 / rate
   local next_slot = nil

   function delay()
      local now = now_ms()
      if next_slot == nil then
         next_slot = now
      end
      -- A connection that comes back late does not get a burst of missed slots: the
      -- schedule never lags more than one interval behind the clock.
      if next_slot < now - interval then
         next_slot = now - interval
      end
      local wait = next_slot - now
      next_slot = next_slot + interval
      return wait > 0 and math.floor(wait + 0.5) or 0
   end
end

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
   server_errors = 0
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
      if status >= 500 then
         server_errors = server_errors + 1
      end
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
   local lua_responses, lua_non2xx, lua_5xx, by_status, samples, by_kind = 0, 0, 0, {}, {}, {}
   for _, thread in ipairs(threads) do
      lua_responses = lua_responses + (thread:get("responses") or 0)
      lua_non2xx = lua_non2xx + (thread:get("non2xx") or 0)
      lua_5xx = lua_5xx + (thread:get("server_errors") or 0)
      for kind, count in pairs(thread:get("sent") or {}) do
         by_kind[kind] = (by_kind[kind] or 0) + count
      end
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
      lua_5xx = lua_5xx,
      sent = by_kind,
   }
   if #samples > 0 then
      result.sample_error = samples[1]
   end
   io.write("BENCH_JSON " .. json_object(result) .. "\n")
end
