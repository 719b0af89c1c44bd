-- wrk script for bench_clockin_load.py: every request a new punch of one of BENCH_STAFF
-- people (staff numbers BENCH_PREFIX00001…), 61 s after that person's previous one, so no
-- request is a de-duplicated double-read.
local threads = {}
local nthreads = 0

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  staff = tonumber(os.getenv("BENCH_STAFF"))
  base = tonumber(os.getenv("BENCH_BASE_EPOCH"))
  prefix = os.getenv("BENCH_PREFIX")
  step = tonumber(os.getenv("BENCH_THREADS"))
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function request()
  local key = counter * step + tid
  counter = counter + 1
  local person = key % staff
  local round = math.floor(key / staff)
  local at = os.date("!%Y-%m-%dT%H:%M:%S+00:00", base + round * 61)
  local body = string.format('{"staff_no": "%s%05d", "at": "%s", "source": "api", "device": "bench"}',
                             prefix, person + 1, at)
  return wrk.format(nil, nil, nil, body)
end
