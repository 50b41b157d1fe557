-- Confirming an email address by a link: a member's address counts (for badges awarded to it)
-- only once they followed the link sent to it. Messages go through an outbox: written in the
-- same transaction as what they announce, logged (and later sent by SMTP when configured).
ALTER TABLE users ADD COLUMN email_confirmed_at INTEGER;

CREATE TABLE email_confirmations (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX email_confirmations_user ON email_confirmations(user_id);

CREATE TABLE email_outbox (
    id INTEGER PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
