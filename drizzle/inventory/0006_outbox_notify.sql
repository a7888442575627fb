-- Wakes the outbox relay as soon as a transaction that wrote events commits.
CREATE OR REPLACE FUNCTION "inventory"."outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('inventory_outbox', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "outbox_notify" AFTER INSERT ON "inventory"."outbox" FOR EACH STATEMENT EXECUTE FUNCTION "inventory"."outbox_notify"();
