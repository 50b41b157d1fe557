-- Sending the email outbox by SMTP. A process claims a message (claimed_at) before sending it so
-- two processes never send the same one; a claim older than a few minutes belongs to a process
-- that died mid-send and may be taken over. A failed send is retried at next_attempt_at, with a
-- growing delay, until given up (failed_at) after a number of attempts.
ALTER TABLE email_outbox ADD COLUMN claimed_at BIGINT;
ALTER TABLE email_outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE email_outbox ADD COLUMN next_attempt_at BIGINT;
ALTER TABLE email_outbox ADD COLUMN failed_at BIGINT;
ALTER TABLE email_outbox ADD COLUMN last_error TEXT;
CREATE INDEX email_outbox_pending ON email_outbox(created_at) WHERE sent_at IS NULL AND failed_at IS NULL;
