--[[
default_claims.lua - the default claim mapping of pvacms, written as the
extract_claims(token) hook of the Lua API.

The Lua hooks (EPICS_AUTH_JWT_CLAIMS_SCRIPT, --jwt-claims-script) arrive
in a later release.  Today the C code of the jwt plugin applies exactly
these defaults, and this file only documents them; it is also the
starting point for a site's own script once hooks are available.

The host calls extract_claims(token) after the token was validated, with
  token.header  the decoded JOSE header (a table)
  token.claims  the decoded claims (a table)
  token.usage   "client", "server" or "ioc"
and expects either a table
  { cn =, o =, ou =, c =, not_before =, not_after =, approval = }
in which an absent key keeps the C default, or nil and a reason, which
denies the request with that reason.  Times are seconds since the epoch;
the host clamps them to the CA's validity.
]]

-- The host part of a URL: "http://localhost:8080/default" -> "localhost".
-- Returns nil when iss is not an absolute URL.
local function url_host(url)
	if type(url) ~= "string" then
		return nil
	end
	local authority = url:match("^%a[%w+.-]*://([^/?#]*)")
	if authority == nil then
		return nil
	end
	authority = authority:gsub("^.*@", "")		-- drop user:password@
	local host = authority:match("^%[([^%]]+)%]")	-- [::1]:8080
	if host == nil then
		host = authority:gsub(":%d*$", "")	-- drop :port
	end
	if host == "" then
		return nil
	end
	return host:lower()
end

-- An integer time claim, or nil when absent or not a number.
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
		-- O = the host of iss; OU and C are left out.
		o = url_host(claims.iss),
		-- Valid from nbf (else iat; when both are absent the host
		-- uses the current time) until exp.
		not_before = time_claim(claims, "nbf")
		    or time_claim(claims, "iat"),
		not_after = time_claim(claims, "exp"),
	}
end
