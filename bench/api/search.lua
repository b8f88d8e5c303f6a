-- wrk script: POST /v1/kb/search with a different query per request (read from a file), then
-- print the latency percentiles as one JSON line.
local queries = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    queries[#queries + 1] = line
  end
  counter = tonumber(args[2] or "0")
end

function request()
  counter = counter + 1
  local body = queries[(counter % #queries) + 1]
  return wrk.format("POST", nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "errors": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99), latency.max))
end
