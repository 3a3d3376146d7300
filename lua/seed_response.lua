--[[
seed_response.lua - an interpret_response(r) hook for the validator of
the quick start's sample application (contrib/jwt-issuer), which answers
  {"valid": true, "header": {...}, "claims": {...}}
or
  {"valid": false, "error": "Signature has expired"}
It replaces the response pattern { *, "valid": "#response#" }, but is
stricter: only a JSON true (or the string "true") is valid, and the
validator's own error becomes the reason.
]]

function interpret_response(r)
	if r.status ~= 200 then
		return false, "validator answered HTTP " .. r.status
	end
	local j = r.json
	if type(j) ~= "table" then
		return false, "validator answer is not a JSON object"
	end
	if j.valid == true or j.valid == "true" then
		return true
	end
	if type(j.error) == "string" and j.error ~= "" then
		return false, "validator says: " .. j.error:sub(1, 200)
	end
	return false, "validator says the token is not valid"
end
