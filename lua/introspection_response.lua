--[[
introspection_response.lua - an interpret_response(r) hook for an
OAuth 2.0 token introspection endpoint (RFC 7662), e.g. Keycloak's
.../protocol/openid-connect/token/introspect.

The endpoint answers 200 with {"active": true, ...} for a token it
accepts and {"active": false} for any other; only a literal JSON true
counts.  Optionally the answer's token_type and scope are checked too.
Each "no" carries its reason code (pvacms-lua(5)), so that an inactive
token is a 401 token_inactive and a refusal of pvacms's own
credentials a 502 validator_auth_failed.

pvacms also does RFC 7662 in C (EPICS_AUTH_JWT_MODE=introspect, which
takes opaque tokens too); this script is for sites that want remote
mode's request and response controls on an introspection endpoint.

Configure pvacms to POST the token as a form (pvacms-lua(5)):
  EPICS_AUTH_JWT_TRUSTED_URI=https://idp.example/realms/lab/protocol/
      openid-connect/token/introspect
  EPICS_AUTH_JWT_REQUEST_METHOD=POST
  EPICS_AUTH_JWT_REQUEST_FORMAT='token=#token#'
  EPICS_AUTH_JWT_RESPONSE_SCRIPT=introspection_response.lua
]]

-- When set, token_type (if the answer has one) must be this, any case.
local TOKEN_TYPE = "Bearer"

-- Scopes the token must hold (space-separated in the answer); empty:
-- no check.
local REQUIRED_SCOPES = {}

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

function interpret_response(r)
	-- RFC 7662 §2.3: 401 means the endpoint refused pvacms itself.
	if r.status == 401 or r.status == 403 then
		return false, "introspection refused pvacms's credentials (HTTP " ..
		    r.status .. ")", "validator_auth_failed"
	end
	if r.status ~= 200 then
		return false, "introspection answered HTTP " .. r.status,
		    "validator_error"
	end
	local j = r.json
	if type(j) ~= "table" then
		return false, "introspection answer is not a JSON object",
		    "validator_error"
	end
	if j.active ~= true then
		return false, "token is not active", "token_inactive"
	end
	if TOKEN_TYPE ~= nil and type(j.token_type) == "string" and
	    j.token_type:lower() ~= TOKEN_TYPE:lower() then
		return false, "token_type is not " .. TOKEN_TYPE,
		    "token_rejected"
	end
	for _, s in ipairs(REQUIRED_SCOPES) do
		if not has_scope(j.scope, s) then
			return false, "token lacks scope '" .. s .. "'",
			    "token_rejected"
		end
	end
	return true
end
