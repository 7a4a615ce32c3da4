-- wrk script: rotate GET /api/articles/{id} over the first 400 stored articles.
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/articles/" .. ((i % 400) + 1))
end
