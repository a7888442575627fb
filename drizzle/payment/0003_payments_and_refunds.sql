CREATE TABLE "payment"."consumer_dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"attempts" integer NOT NULL,
	"last_error" text,
	"dead_at" timestamp with time zone DEFAULT now() NOT NULL,
	"replay_requested_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "payment"."inbox" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "payment"."refunds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payment_id" uuid NOT NULL,
	"amount_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"reason" text NOT NULL,
	"provider_reference" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_status_check" CHECK ("payment"."refunds"."status" in ('REQUESTED','PENDING','SUCCEEDED'))
);
--> statement-breakpoint
CREATE TABLE "payment"."webhook_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "user_id" text;--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "booking_reference" text;--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "guest_email" text;--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "idempotency_key" text;--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "booking_closed_as" text;--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD CONSTRAINT "refunds_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "payment"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_payment_key" ON "payment"."refunds" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "refunds_requested_idx" ON "payment"."refunds" USING btree ("updated_at") WHERE "payment"."refunds"."status" = 'REQUESTED';--> statement-breakpoint
CREATE UNIQUE INDEX "payments_provider_reference_key" ON "payment"."payments" USING btree ("provider_reference");