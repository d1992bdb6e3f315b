-- wrk script: POSTs the WS-Man envelope in the file named by WSMAN_BODY with
-- Basic auth (WSMAN_BASIC, base64 of user:pass), and prints one JSON line.
local f = assert(io.open(os.getenv("WSMAN_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/soap+xml;charset=UTF-8"
wrk.headers["Authorization"] = "Basic " .. os.getenv("WSMAN_BASIC")

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON {\"requests\":%d,\"duration_us\":%d,\"rps\":%.1f,\"p50_us\":%d,\"p99_us\":%d,\"errors_status\":%d,\"errors_connect\":%d,\"errors_read\":%d,\"errors_timeout\":%d}\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), e.status, e.connect, e.read, e.timeout))
end
