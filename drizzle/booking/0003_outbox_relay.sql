CREATE TABLE "booking"."outbox_dead_letters" (
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
ALTER TABLE "booking"."outbox" ADD COLUMN "partition" integer GENERATED ALWAYS AS ((hashtext(aggregate_id) & 2147483647) % 16) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "booking"."outbox" ADD COLUMN "published_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "booking"."outbox" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "booking"."outbox" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "booking"."outbox" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "booking_outbox_pending_idx" ON "booking"."outbox" USING btree ("partition","id") WHERE "booking"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "booking_outbox_published_idx" ON "booking"."outbox" USING btree ("published_at") WHERE "booking"."outbox"."published_at" is not null;