-- NotifyMigrationTaskState with real SigV4 signatures, for a hub started with an
-- auth file. wrk cannot compute HMACs, so part 3 (part3_auth.py) signs a pool of
-- requests beforehand (one per line: Authorization, X-Amz-Date and body,
-- tab-separated) and each thread sends them round-robin.
-- Args: <file of signed requests>
local dir = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(dir .. "report.lua")

local pool, counter

function init(args)
   pool = {}
   for line in io.lines(args[1]) do
      local auth, date, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      table.insert(pool, {auth = auth, date = date, body = body})
   end
   counter = (tid or 0) * 7919
   wrk.method = "POST"
   wrk.path = "/"
   wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
   wrk.headers["X-Amz-Target"] = "AWSMigrationHub.NotifyMigrationTaskState"
end

function request()
   counter = counter + 1
   local entry = pool[(counter % #pool) + 1]
   wrk.headers["Authorization"] = entry.auth
   wrk.headers["X-Amz-Date"] = entry.date
   return wrk.format(nil, nil, nil, entry.body)
end
