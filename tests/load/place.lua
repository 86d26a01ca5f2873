-- wrk script: every request places a new order through the API, with its own
-- Idempotency-Key. Usage:
--   KEY=mgk_... wrk -t2 -c8 -d10s -s tests/load/place.lua http://127.0.0.1:8080
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  prefix = "load-" .. tostring(id) .. "-" .. tostring(os.time())
end

function request()
  counter = counter + 1
  local order = prefix .. "-" .. counter
  local body = '{"command":"place","buyer":"b-' .. (counter % 500) ..
    '","seller":"s-' .. (counter % 50) ..
    '","price":"12.34","currency":"USD","promised_days":20}'
  return wrk.format("POST", "/v1/orders/" .. order .. "/commands", {
    ["Authorization"] = "Bearer " .. os.getenv("KEY"),
    ["Idempotency-Key"] = order,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    print("unexpected status " .. status .. ": " .. body)
  end
end
