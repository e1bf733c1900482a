-- Claude Relay: the api_keys table of the guide's scripts/postgres/create_tables.sql (section 2.2), which the
-- hybrid release (MIGRATION_MODE=hybrid, ENABLE_DUAL_WRITE=true) expects before it starts. Applied once by the
-- platform's db-bootstrap job, as claude_app (which then owns the table). The guide's other tables are in
-- its data-model document, which the guide does not reproduce: the application's migrations create them.
-- Applied scripts never change: put any later change in a new script.

CREATE TABLE claude_data.api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(255) NOT NULL,
    description text,
    api_key_hash varchar(255) NOT NULL UNIQUE,

    -- quotas and limits
    token_limit bigint DEFAULT 0,
    concurrency_limit integer DEFAULT 0,
    daily_cost_limit numeric(10, 2) DEFAULT 0,
    weekly_opus_cost_limit numeric(10, 2) DEFAULT 0,

    -- rate limiting
    rate_limit_window integer,
    rate_limit_requests integer,
    rate_limit_cost numeric(10, 2),

    -- permissions and state
    permissions varchar(50) DEFAULT 'all',
    is_active boolean DEFAULT true,

    -- model and client restrictions
    enable_model_restriction boolean DEFAULT false,
    restricted_models jsonb DEFAULT '[]',
    enable_client_restriction boolean DEFAULT false,
    allowed_clients jsonb DEFAULT '[]',

    -- expiry
    expires_at timestamp,
    expiration_mode varchar(20) DEFAULT 'fixed',
    activation_days integer DEFAULT 0,
    activated_at timestamp,

    -- metadata
    tags jsonb DEFAULT '[]',
    icon text,

    created_at timestamp DEFAULT CURRENT_TIMESTAMP,
    updated_at timestamp DEFAULT CURRENT_TIMESTAMP,
    last_used_at timestamp,

    CONSTRAINT api_keys_permissions_check CHECK (permissions IN ('claude', 'gemini', 'openai', 'all')),
    CONSTRAINT api_keys_expiration_mode_check CHECK (expiration_mode IN ('fixed', 'activation')),
    CONSTRAINT api_keys_token_limit_check CHECK (token_limit >= 0),
    CONSTRAINT api_keys_expires_at_check CHECK (expires_at IS NULL OR expires_at > created_at)
);

CREATE TRIGGER update_api_keys_updated_at
    BEFORE UPDATE ON claude_data.api_keys
    FOR EACH ROW
    EXECUTE FUNCTION claude_data.update_updated_at_column();

-- The guide's five indexes (idx_api_keys_hash as the guide lists it, beside the UNIQUE constraint's own).
CREATE INDEX idx_api_keys_hash ON claude_data.api_keys (api_key_hash);
CREATE INDEX idx_api_keys_active ON claude_data.api_keys (is_active) WHERE is_active = true;
CREATE INDEX idx_api_keys_expires_at ON claude_data.api_keys (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX idx_api_keys_permissions ON claude_data.api_keys (permissions);
CREATE INDEX idx_api_keys_created_at ON claude_data.api_keys (created_at DESC);
