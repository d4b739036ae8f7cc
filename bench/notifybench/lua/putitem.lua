-- DynamoDB PutItem of an item comparable to a task's state, for moto's server:
-- each request writes one of <task count> items with a new progress.
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(dir .. "report.lua")

local tasks, table_name, counter, base_time

function init(args)
   tasks = tonumber(args[1] or "1000")
   table_name = args[2] or "bench"
   counter = 0
   base_time = os.time()
   math.randomseed(os.time() * 1000 + (tid or 0))
   wrk.method = "POST"
   wrk.path = "/"
   wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
   wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.PutItem"
   wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/dynamodb/aws4_request, "
      .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
      .. string.rep("0", 64)
   wrk.headers["X-Amz-Date"] = "20260101T000000Z"
end

function request()
   counter = counter + 1
   local body = string.format(
      '{"TableName":"%s","Item":{"Stream":{"S":"bench"},"Task":{"S":"task-%07d"},'
      .. '"Status":{"S":"IN_PROGRESS"},"StatusDetail":{"S":"Copying image data"},'
      .. '"ProgressPercent":{"N":"%d"},"UpdateDateTime":{"N":"%d"},"NextUpdateSeconds":{"N":"60"}}}',
      table_name, math.random(0, tasks - 1), counter % 101, base_time + counter)
   return wrk.format(nil, nil, nil, body)
end
