-- Staff who sign in through the city's directory (LDAP / Active Directory).

-- Where an account comes from: made by hand, made from a personnel list, or made at the first
-- sign-in through the directory (such accounts have no password of their own here).
ALTER TABLE app_user ADD COLUMN source TEXT NOT NULL DEFAULT 'local'
    CHECK (source IN ('local', 'list', 'directory'));
-- The directory's name for the person (sAMAccountName, uid), as its directory compares it.
ALTER TABLE app_user ADD COLUMN directory_name TEXT
    CHECK (directory_name IS NULL OR (directory_name <> '' AND length(directory_name) <= 256));
ALTER TABLE app_user ADD COLUMN last_sign_in_at TIMESTAMPTZ;
ALTER TABLE app_user ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE app_user ADD CONSTRAINT app_user_directory_has_name
    CHECK ((source = 'directory') = (directory_name IS NOT NULL));
-- An account made by hand has a password; one from a personnel list gets it through a
-- one-time link (migration 0019); a directory account never has one here.
ALTER TABLE app_user ADD CONSTRAINT app_user_local_has_password
    CHECK (source <> 'local' OR password_hash IS NOT NULL);
-- A directory account is known as `name@city` (two cities' directories may both have a
-- `tanaka`): the sign-in name allows `@`.
ALTER TABLE app_user DROP CONSTRAINT app_user_username_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_username_check
    CHECK (username ~ '^[A-Za-z0-9._@-]{3,80}$');
CREATE UNIQUE INDEX app_user_directory_name_idx ON app_user (municipality_id, directory_name)
    WHERE directory_name IS NOT NULL;

-- A city's directory, as its `directory.toml` says (stored by `mokuhyo directory --apply`).
CREATE TABLE directory_setting (
    municipality_id BIGINT PRIMARY KEY REFERENCES municipality (id),
    config          TEXT NOT NULL CHECK (length(config) <= 65536),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
