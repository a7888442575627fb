-- Wakes the outbox relay as soon as a transaction that wrote events commits.
CREATE OR REPLACE FUNCTION "notification"."outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('notification_outbox', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "outbox_notify" AFTER INSERT ON "notification"."outbox" FOR EACH STATEMENT EXECUTE FUNCTION "notification"."outbox_notify"();
