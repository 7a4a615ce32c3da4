-- wrk script: rotate GET /api/search over a few queries and filters.
local paths = {
  "/api/search?q=president&limit=10",
  "/api/search?q=%22white%20house%22&limit=10",
  "/api/search?q=election%20fraud&limit=10",
  "/api/search?q=migrants&kind=article&limit=10",
  "/api/search?q=media&limit=10",
  "/api/search?q=said&from=2018-01-01&limit=10",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
