-- Secret keys of the hub itself, shared by every node of a cluster and kept
-- across restarts: the first node that needs a key stores the one it generated
-- (`INSERT … ON CONFLICT DO NOTHING`) and every node then uses the stored one.
-- Today one key: `payer-pages-form-key`, the HMAC key of the payer pages' CSRF
-- tokens (docs/payer-pages.md). Never rotated silently: deleting the row makes
-- the next node generate a new key, and every open payer page's form stale.

CREATE TABLE server_keys (
    name       text PRIMARY KEY,
    key        bytea NOT NULL CHECK (length(key) >= 32),
    created_at timestamptz NOT NULL
);
