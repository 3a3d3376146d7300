--[[
admin_group_claims.lua - an extract_claims(token) hook by which a site
says, explicitly, which of its identity provider's users are pvacms
administrators: a client certificate for a token whose `groups` claim
(Keycloak's group paths, or a plain array or space-separated string)
holds GROUP is an administrator's.  pvacms records and audits such a
certificate as an administrator certificate; it may approve, deny and
revoke any certificate over HTTPS (pvxcert -A/-R/-D).  Nobody else is
one: without this script a token never makes an administrator.

Only client certificates carry the grant, since administration is TLS
client authentication.  Everything else keeps the C defaults.
]]

-- The group whose members administer pvacms.
local GROUP = "/pvacms-admins"

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
	if token.usage == "client" and holds(token.claims.groups, GROUP) then
		return { admin = true }
	end
	return {}
end
