-- Wakes the outbox relay as soon as a transaction that wrote events commits (NOTIFY is
-- delivered at commit), instead of waiting for its next poll.
CREATE OR REPLACE FUNCTION "booking"."outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('booking_outbox', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "outbox_notify" AFTER INSERT ON "booking"."outbox" FOR EACH STATEMENT EXECUTE FUNCTION "booking"."outbox_notify"();
