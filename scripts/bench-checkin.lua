-- wrk script for scripts/bench-server: a logged-in client that either reads
-- the dashboard (PANTAU_MODE=dashboard) or posts weekly check-ins to /lapor
-- as the multipart form of crates/web/src/pages/checkin.rs (the default).
-- Like a browser it accepts gzip, so the server compresses as it would for one.
--
-- Environment (set by scripts/bench-server):
--   PANTAU_COOKIE   the session cookie, "pantau_session=..."
--   PANTAU_CSRF     the session's CSRF token (check-ins only)
--   PANTAU_UNIT     the operator's unit; targets are UNIT-01 .. UNIT-NN
--   PANTAU_TARGETS  how many targets the unit has (NN, default 10)
--   PANTAU_PROGRAM  program code (default 100HK)
--   PANTAU_DATE     activity date inside the program, not in the future
--   PANTAU_PATH     the dashboard's path and query (default /dasbor)
--   PANTAU_ADDRS    "host:port host:port ...": spread wrk's threads over
--                   these servers, thread i on address i modulo their number
--                   (default: the URL's server only)
--
-- At the end it prints one line that bench-server reads:
--   RESULT requests=N ok=N other=N s5xx=N errors=N rps=X p50_ms=X p90_ms=X p99_ms=X max_ms=X
-- where "ok" counts the expected status (200 for the dashboard, 303 for a
-- saved check-in), "other" every other status and "s5xx" the server errors.

local mode = os.getenv("PANTAU_MODE") or "checkin"
local cookie = os.getenv("PANTAU_COOKIE") or ""
local csrf = os.getenv("PANTAU_CSRF") or ""
local unit = os.getenv("PANTAU_UNIT") or "DISDIK"
local targets = tonumber(os.getenv("PANTAU_TARGETS") or "10")
local program = os.getenv("PANTAU_PROGRAM") or "100HK"
local date = os.getenv("PANTAU_DATE") or "2025-05-01"
local path = os.getenv("PANTAU_PATH") or "/dasbor"
local boundary = "pantau-bench-7d9c2f"

local threads = {}
local addrs = nil

function setup(thread)
    if not addrs then
        addrs = {}
        for hostport in string.gmatch(os.getenv("PANTAU_ADDRS") or "", "%S+") do
            local host, port = string.match(hostport, "^(.+):(%d+)$")
            table.insert(addrs, wrk.lookup(host, port)[1])
        end
    end
    -- One latency histogram over all servers: each thread keeps its
    -- connections on one server, so the readers split evenly across them.
    if #addrs > 0 then
        thread.addr = addrs[#threads % #addrs + 1]
    end
    table.insert(threads, thread)
end

local function part(name, value)
    return "--" .. boundary .. "\r\n"
        .. 'Content-Disposition: form-data; name="' .. name .. '"\r\n\r\n'
        .. value .. "\r\n"
end

local bodies = {}
local next_body = 0
ok = 0
other = 0
s5xx = 0

function init(args)
    if mode ~= "dashboard" then
        for i = 1, targets do
            local target = string.format("%s-%02d", unit, i)
            bodies[i] = part("csrf", csrf)
                .. part("program", program)
                .. part("target", target)
                .. part("activity_date", date)
                -- 1 is valid for every kind: a count, a level, a milestone done.
                .. part("value", "1")
                .. part("note", "bench")
                .. "--" .. boundary .. "--\r\n"
        end
    end
end

function request()
    if mode == "dashboard" then
        return wrk.format("GET", path, { ["Cookie"] = cookie, ["Accept-Encoding"] = "gzip" })
    end
    next_body = next_body % targets + 1
    return wrk.format("POST", "/lapor", {
        ["Cookie"] = cookie,
        ["Accept-Encoding"] = "gzip",
        ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    }, bodies[next_body])
end

function response(status, headers, body)
    local expected = (mode == "dashboard") and 200 or 303
    if status == expected then
        ok = ok + 1
    else
        other = other + 1
        if status >= 500 then s5xx = s5xx + 1 end
    end
end

function done(summary, latency, requests)
    local ok_total, other_total, s5xx_total = 0, 0, 0
    for _, thread in ipairs(threads) do
        ok_total = ok_total + thread:get("ok")
        other_total = other_total + thread:get("other")
        s5xx_total = s5xx_total + thread:get("s5xx")
    end
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "RESULT requests=%d ok=%d other=%d s5xx=%d errors=%d rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
        summary.requests, ok_total, other_total, s5xx_total, errors, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000))
end
