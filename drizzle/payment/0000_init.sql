CREATE SCHEMA "payment";
--> statement-breakpoint
CREATE TABLE "payment"."payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"booking_id" uuid NOT NULL,
	"amount_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"provider" text NOT NULL,
	"provider_reference" text,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_amount_check" CHECK ("payment"."payments"."amount_minor" >= 0),
	CONSTRAINT "payments_status_check" CHECK ("payment"."payments"."status" in ('REQUIRES_PAYMENT','PROCESSING','SUCCEEDED','FAILED','REFUND_PENDING','REFUNDED'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "payments_booking_key" ON "payment"."payments" USING btree ("booking_id");