--[[
default_claims.lua - the default claim mapping of pvacms, written as the
extract_claims(token) hook of the Lua API (pvacms-lua(5)).

Without a claims script the C code of the jwt plugin applies exactly
these defaults; running pvacms with --jwt-claims-script default_claims.lua
gives the same certificates.  It is the starting point for a site's own
script.

The host calls extract_claims(token) after the token was checked (issuer,
exp/nbf, the validator's answer), with
  token.header  the decoded JOSE header (a table)
  token.claims  the decoded claims (a table)
  token.usage   "client", "server" or "ioc"
and expects either a table
  { cn =, o =, ou =, c =, not_before =, not_after =, approval = }
in which an absent key keeps the C default, or nil and a reason, which
denies the request with that reason.  Times are seconds since the epoch;
the plugin keeps them inside the token's window [nbf or iat, exp] and
the host inside the CA's validity.

The script runs sandboxed: no require, io or os (bar os.time, os.date
and os.clock); the helpers are in the read-only table `pvacms`
(json_decode, json_encode, url_split, log, null).  Globals are locked
after load, so configuration lives in locals.
]]

-- The host part of a URL: "http://localhost:8080/default" -> "localhost",
-- or nil when it is not an absolute URL.
local function url_host(url)
	if type(url) ~= "string" then
		return nil
	end
	local u = pvacms.url_split(url)
	if u == nil then
		return nil
	end
	return u.host
end

-- An integer time claim, or nil when absent or not a whole number.
local function time_claim(claims, name)
	local v = claims[name]
	if math.type(v) == "integer" then
		return v
	elseif math.type(v) == "float" and v == math.floor(v) then
		return math.tointeger(v)
	end
	return nil
end

function extract_claims(token)
	local claims = token.claims

	-- CN = sub.  PVXS keeps at most 63 bytes of a CN.
	local sub = claims.sub
	if type(sub) ~= "string" or sub == "" then
		return nil, "token has no subject (sub)"
	end
	if #sub > 63 then
		return nil, "subject (sub) longer than 63 bytes"
	end

	return {
		cn = sub,
		-- O = the host of iss (absent: the C default, the host of
		-- the trusted URI); OU and C are left out.
		o = url_host(claims.iss),
		-- Valid from nbf (else iat; when both are absent the plugin
		-- uses the current time) until exp.
		not_before = time_claim(claims, "nbf")
		    or time_claim(claims, "iat"),
		not_after = time_claim(claims, "exp"),
	}
end
