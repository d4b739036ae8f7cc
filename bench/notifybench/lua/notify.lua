-- NotifyMigrationTaskState, as a migration tool sends it: each request names a
-- random one of the imported tasks and a new ProgressPercent.
-- Args: <task count> [stream name]. The floor is loaded with the same requests.
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(dir .. "report.lua")

local tasks, stream, counter, base_time

function init(args)
   tasks = tonumber(args[1] or "1000")
   stream = args[2] or "bench"
   counter = 0
   base_time = os.time()
   math.randomseed(os.time() * 1000 + (tid or 0))
   wrk.method = "POST"
   wrk.path = "/"
   wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
   wrk.headers["X-Amz-Target"] = "AWSMigrationHub.NotifyMigrationTaskState"
   -- Signed-looking: a hub in development mode reads only the region from it.
   wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/mgh/aws4_request, "
      .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
      .. string.rep("0", 64)
   wrk.headers["X-Amz-Date"] = "20260101T000000Z"
end

function request()
   counter = counter + 1
   local body = string.format(
      '{"ProgressUpdateStream":"%s","MigrationTaskName":"task-%07d",'
      .. '"Task":{"Status":"IN_PROGRESS","StatusDetail":"Copying image data","ProgressPercent":%d},'
      .. '"UpdateDateTime":%d,"NextUpdateSeconds":60}',
      stream, math.random(0, tasks - 1), counter % 101, base_time + counter)
   return wrk.format(nil, nil, nil, body)
end
