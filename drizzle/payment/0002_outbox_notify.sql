-- Wakes the outbox relay as soon as a transaction that wrote events commits.
CREATE OR REPLACE FUNCTION "payment"."outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('payment_outbox', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "outbox_notify" AFTER INSERT ON "payment"."outbox" FOR EACH STATEMENT EXECUTE FUNCTION "payment"."outbox_notify"();
