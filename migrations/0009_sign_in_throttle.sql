-- Sign-in attempts are counted per account and address pair, per address and per account
-- (an attempt is recorded before its password is checked, and removed when it succeeds).
CREATE INDEX login_failure_user_idx ON login_failure (username, attempted_at);
CREATE INDEX login_failure_pair_idx ON login_failure (client_addr, username, attempted_at);
CREATE INDEX login_failure_time_idx ON login_failure (attempted_at);
