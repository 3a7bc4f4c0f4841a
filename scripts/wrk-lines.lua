-- wrk script for scripts/bench: sends the requests listed in the file $WRK_LINES, picked at
-- random, one per line as "GET <path>" or "POST <path> <url-encoded form body>", and prints
-- one line "RESULT <requests/s> <p50 ms> <p95 ms> <p99 ms> <errors>" (wrk's own summary has
-- no p95). Errors count answers of 400 and above as well as socket errors.
local requests = {}

function init(args)
  local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  for line in io.lines(os.getenv("WRK_LINES")) do
    local method, path, body = line:match("^(%u+) (%S+) ?(.*)$")
    if method == "POST" then
      requests[#requests + 1] = wrk.format("POST", path, form, body)
    elseif method then
      requests[#requests + 1] = wrk.format(method, path)
    end
  end
  math.randomseed(os.time() + #requests)
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status + e.connect + e.read + e.write + e.timeout))
end
