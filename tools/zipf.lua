-- wrk script: requests drawn from the addresses in $URLS, Zipf-distributed (exponent $ZIPF_S,
-- default 1; 0 means uniform). Ranks are given to addresses in a shuffled order fixed by a
-- seed, so Mokuhyo and nginx get the same distribution; each wrk thread draws its own.
local paths = {}
local cdf = {}

local function load()
  for line in io.lines(os.getenv("URLS")) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  math.randomseed(20261207)
  for i = #paths, 2, -1 do
    local j = math.random(i)
    paths[i], paths[j] = paths[j], paths[i]
  end
  local s = tonumber(os.getenv("ZIPF_S") or "1")
  local total = 0
  for i = 1, #paths do
    total = total + 1 / (i ^ s)
    cdf[i] = total
  end
  for i = 1, #paths do cdf[i] = cdf[i] / total end
end

load()

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

local function pick()
  local r = math.random()
  local lo, hi = 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < r then lo = mid + 1 else hi = mid end
  end
  return paths[lo]
end

request = function()
  return wrk.format("GET", (os.getenv("PREFIX") or "") .. pick())
end
