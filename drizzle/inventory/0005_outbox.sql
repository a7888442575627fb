CREATE TABLE "inventory"."outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"aggregate_type" text NOT NULL,
	"aggregate_id" text NOT NULL,
	"aggregate_version" integer NOT NULL,
	"actor" text,
	"traceparent" text,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"partition" integer GENERATED ALWAYS AS ((hashtext(aggregate_id) & 2147483647) % 16) STORED NOT NULL,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt_at" timestamp with time zone,
	CONSTRAINT "outbox_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE TABLE "inventory"."outbox_dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"outbox_id" bigint NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"aggregate_type" text NOT NULL,
	"aggregate_id" text NOT NULL,
	"aggregate_version" integer NOT NULL,
	"actor" text,
	"traceparent" text,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer NOT NULL,
	"last_error" text,
	"dead_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_dead_letters_event_id_unique" UNIQUE("event_id")
);
--> statement-breakpoint
CREATE INDEX "inventory_outbox_aggregate_idx" ON "inventory"."outbox" USING btree ("aggregate_id","id");--> statement-breakpoint
CREATE INDEX "inventory_outbox_pending_idx" ON "inventory"."outbox" USING btree ("partition","id") WHERE "inventory"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "inventory_outbox_published_idx" ON "inventory"."outbox" USING btree ("published_at") WHERE "inventory"."outbox"."published_at" is not null;