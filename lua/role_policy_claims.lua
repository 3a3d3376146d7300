--[[
role_policy_claims.lua - an extract_claims(token) hook that is a policy
and nothing else: anyone with a valid token may have a client
certificate, but server and ioc certificates only users who hold ROLE,
either in Keycloak's realm_access.roles or in a plain `roles` claim (an
array, or a space-separated string).  The subject and validity keep the
C defaults (it returns an empty table).
]]

-- The role that may request server and ioc certificates.
local ROLE = "ioc-admin"

-- ---------------------------------------------------------------------

local function holds(list, want)
	if type(list) == "string" then
		for s in list:gmatch("%S+") do
			if s == want then
				return true
			end
		end
	elseif type(list) == "table" then
		for _, s in ipairs(list) do
			if s == want then
				return true
			end
		end
	end
	return false
end

function extract_claims(token)
	if token.usage == "client" then
		return {}
	end
	local claims = token.claims
	local realm = claims.realm_access
	if (type(realm) == "table" and holds(realm.roles, ROLE)) or
	    holds(claims.roles, ROLE) then
		return {}
	end
	return nil, string.format("only role '%s' may request %s"
	    .. " certificates", ROLE, token.usage)
end
