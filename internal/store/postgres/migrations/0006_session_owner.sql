-- Sessions belong to their creator (commerce.Session.Owner). A session
-- stored before owners existed gets the owner its surface gives new ones:
-- "key:<api key id>" for an agent's (REST, /acp/mcp: apikey.Key.Owner),
-- and "app:" for the ChatGPT App's, which had no key and no conversation
-- binding (mcpapp's unbound owner).
UPDATE sessions
SET data = jsonb_set(data, '{Owner}', to_jsonb(CASE WHEN api_key_id <> '' THEN 'key:' || api_key_id ELSE 'app:' END))
WHERE coalesce(data->>'Owner', '') = '';
