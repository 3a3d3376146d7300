--[[
client_credentials_claims.lua - an extract_claims(token) hook for tokens
an OAuth 2.0 client got for itself (the client credentials grant, RFC
6749 §4.4): an IOC or a service account with no human behind it.

Such a token's sub is often the client id, or missing (an introspection
answer for an opaque token may hold only client_id), and what the
client may do is in its scope.  So:

  CN  = the claim CN_CLAIM (e.g. a custom "epics_name" mapped by the
        IdP), else client_id, else sub
  denied unless the token's scope holds SCOPES[usage] for the usage
        asked (client, server or ioc): a client credential for
        monitoring never gets a server certificate
  O   = the C default (the host of iss)

Works on JWT access tokens and on introspection answers alike (in
introspect mode the answer is the claims).  Edit the configuration
below; see pvacms-lua(5).  Test with
  pvacms --dry-run --token FILE --jwt-claims-script client_credentials_claims.lua
]]

-- The claim that names the agent; nil to use client_id.
local CN_CLAIM = "epics_name"

-- The scope each usage needs; a usage missing here is refused.
local SCOPES = {
	client = "pvacms:client",
	server = "pvacms:server",
	ioc = "pvacms:server",
}

-- ---------------------------------------------------------------------

local function has_scope(scope, want)
	if type(scope) ~= "string" then
		return false
	end
	for s in scope:gmatch("%S+") do
		if s == want then
			return true
		end
	end
	return false
end

local function text(v)
	if type(v) == "string" and v ~= "" then
		return v
	end
	return nil
end

function extract_claims(token)
	local c = token.claims
	local want = SCOPES[token.usage]
	if want == nil then
		return nil, "no scope grants a " .. tostring(token.usage) ..
		    " certificate"
	end
	if not has_scope(c.scope, want) then
		return nil, "token lacks scope '" .. want .. "' for a " ..
		    token.usage .. " certificate"
	end
	local cn = (CN_CLAIM and text(c[CN_CLAIM])) or text(c.client_id) or
	    text(c.sub)
	if cn == nil then
		return nil, "token names no client (no " ..
		    (CN_CLAIM or "client_id") .. ", client_id or sub)"
	end
	return { cn = cn }
end
