-- Claude Relay: the functions of the guide's scripts/postgres/extensions.sql (section 2.1), in claude_data.
-- Applied once by the platform's db-bootstrap job, as claude_app (which then owns them), after the
-- extensions of database.extensions (pgcrypto: encrypt/decrypt, in schema public) exist.
-- Applied scripts never change: put any later change in a new script.

-- AES through pgcrypto's raw encrypt()/decrypt(), hex-encoded; NULL (with a warning) when it fails.
-- SECURITY DEFINER as in the guide, made safe: a fixed search_path (pg_catalog, then pg_temp last, so no
-- temporary object can shadow anything) and every pgcrypto function called by its schema.
CREATE OR REPLACE FUNCTION claude_data.encrypt_sensitive_data(data text, key text)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN encode(public.encrypt(convert_to(data, 'UTF8'), convert_to(key, 'UTF8'), 'aes'), 'hex');
EXCEPTION
    WHEN OTHERS THEN
        RAISE WARNING 'Encryption failed: %', SQLERRM;
        RETURN NULL;
END;
$fn$;

CREATE OR REPLACE FUNCTION claude_data.decrypt_sensitive_data(encrypted_data text, key text)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RETURN convert_from(public.decrypt(decode(encrypted_data, 'hex'), convert_to(key, 'UTF8'), 'aes'), 'UTF8');
EXCEPTION
    WHEN OTHERS THEN
        RAISE WARNING 'Decryption failed: %', SQLERRM;
        RETURN NULL;
END;
$fn$;

-- Only the application role runs them (functions are executable by PUBLIC by default).
REVOKE ALL ON FUNCTION claude_data.encrypt_sensitive_data(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION claude_data.decrypt_sensitive_data(text, text) FROM PUBLIC;

-- Trigger function: stamps updated_at on every UPDATE of a row.
CREATE OR REPLACE FUNCTION claude_data.update_updated_at_column()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    NEW.updated_at = CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$fn$;
