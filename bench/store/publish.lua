-- wrk script for scripts/store-bench: POST a 128-byte text event with the publish token.
-- wrk -c 16 -t 2 -d 10s -s bench/store/publish.lua http://127.0.0.1:PORT/events
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WSEVENT_BENCH_TOKEN") or "t")
wrk.body = string.rep("x", 128)

local statuses = {}

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    -- wrk counts every answer as a request; only 200s were committed.
    io.write(string.format("non-2xx answers: %d\n", summary.errors.status))
end
