-- Secret keys of the hub itself; see the PostgreSQL migration of the same name
-- for the why. Same conventions as 0001.

CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    key        BLOB NOT NULL CHECK (length(key) >= 32),
    created_at INTEGER NOT NULL
) STRICT;
