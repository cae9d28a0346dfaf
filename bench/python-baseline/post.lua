-- wrk script: POSTs the request bodies of requests.jsonl round-robin, one a request.
local bodies = {}
for line in io.lines(os.getenv("FRAUD_REQUESTS") or "requests.jsonl") do
  bodies[#bodies + 1] = line
end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, "/score", nil, bodies[i])
end
