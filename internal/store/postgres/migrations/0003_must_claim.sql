-- must_claim(n) returns n, and raises 'AS409' (idempotency key taken) when
-- n is 0. A claim of an Idempotency-Key that is recorded finished at once
-- is written as
--   WITH w AS (INSERT … ON CONFLICT … DO UPDATE … WHERE … RETURNING 1)
--   SELECT must_claim(count(*)) FROM w
-- so that a key held by another request is an error on the server: the
-- claim can then go out in one batch with COMMIT, which PostgreSQL skips.
CREATE FUNCTION must_claim(n bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	IF n = 0 THEN
		RAISE EXCEPTION 'idempotency key taken' USING ERRCODE = 'AS409';
	END IF;
	RETURN n;
END
$$;
