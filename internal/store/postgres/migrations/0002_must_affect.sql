-- must_affect(n) returns n, and raises no_data_found (P0002) when n is 0.
-- Writes that must change a row are written as
--   WITH w AS (UPDATE … RETURNING 1) SELECT must_affect(count(*)) FROM w
-- so that a missing row is an error on the server. Inside a transaction
-- such a write may be sent in one batch with COMMIT: the error makes
-- PostgreSQL skip the rest of the batch, and the transaction rolls back.
CREATE FUNCTION must_affect(n bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	IF n = 0 THEN
		RAISE EXCEPTION 'no row affected' USING ERRCODE = 'no_data_found';
	END IF;
	RETURN n;
END
$$;
