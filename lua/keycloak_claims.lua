--[[
keycloak_claims.lua - an extract_claims(token) hook for Keycloak (and
other OpenID Connect providers that use the same claims).

  CN  = preferred_username, else sub
  OU  = the user's first group in OU_GROUPS (the group's path stripped:
        "/lab/operators" -> "operators"); with OU_GROUPS empty, the
        first group of the token; with no group, the first role of
        ALLOWED_ROLES the user has; else no OU
  O   = the C default (the host of iss)
  denied when ALLOWED_ROLES is not empty and the user holds none of them
  in realm_access.roles.

Edit the configuration below; see pvacms-lua(5).  Test a change with
  pvacms --dry-run --token FILE --jwt-claims-script keycloak_claims.lua
before deploying it.
]]

-- Realm roles that may have a certificate; empty: every user.
local ALLOWED_ROLES = { "epics-user", "ioc-admin" }

-- Groups that may become the OU, by their last path segment; empty:
-- whatever group comes first.
local OU_GROUPS = {}

-- ---------------------------------------------------------------------

-- The strings of a JSON array (anything else in it is ignored).
local function strings(v)
	local out = {}
	if type(v) == "table" then
		for _, s in ipairs(v) do
			if type(s) == "string" and s ~= "" then
				out[#out + 1] = s
			end
		end
	end
	return out
end

local function contains(list, value)
	for _, v in ipairs(list) do
		if v == value then
			return true
		end
	end
	return false
end

-- "/lab/operators" -> "operators"; "operators" stays.
local function basename(group)
	return group:match("([^/]+)/*$") or group
end

local function pick_ou(groups, roles)
	for _, g in ipairs(groups) do
		local name = basename(g)
		if #OU_GROUPS == 0 or contains(OU_GROUPS, name) then
			return name
		end
	end
	for _, r in ipairs(ALLOWED_ROLES) do
		if contains(roles, r) then
			return r
		end
	end
	return nil
end

function extract_claims(token)
	local claims = token.claims

	local cn = claims.preferred_username
	if type(cn) ~= "string" or cn == "" then
		cn = claims.sub
	end
	if type(cn) ~= "string" or cn == "" then
		return nil, "token has neither preferred_username nor sub"
	end
	if #cn > 63 then
		return nil, "user name longer than 63 bytes"
	end

	local realm = claims.realm_access
	local roles = strings(type(realm) == "table" and realm.roles or nil)
	if #ALLOWED_ROLES > 0 then
		local allowed = false
		for _, r in ipairs(ALLOWED_ROLES) do
			if contains(roles, r) then
				allowed = true
				break
			end
		end
		if not allowed then
			return nil, string.format("user '%s' has none of the"
			    .. " roles %s", cn, table.concat(ALLOWED_ROLES, ", "))
		end
	end

	local ou = pick_ou(strings(claims.groups), roles)
	if ou ~= nil and #ou > 64 then
		ou = ou:sub(1, 64)
	end
	return { cn = cn, ou = ou }
end
