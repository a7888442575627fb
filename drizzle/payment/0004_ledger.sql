CREATE TABLE "payment"."charges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"payment_id" uuid NOT NULL,
	"amount_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"provider_reference" text,
	"failure_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "charges_amount_check" CHECK ("payment"."charges"."amount_minor" > 0),
	CONSTRAINT "charges_status_check" CHECK ("payment"."charges"."status" in ('PROCESSING','SUCCEEDED','FAILED'))
);
--> statement-breakpoint
ALTER TABLE "payment"."payments" DROP CONSTRAINT "payments_status_check";--> statement-breakpoint
DROP INDEX "payment"."refunds_payment_key";--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "booking_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "amount_paid_minor" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "amount_refunded_minor" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD COLUMN "fee_minor" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD COLUMN "fee_minor" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD COLUMN "cause" text;--> statement-breakpoint
ALTER TABLE "payment"."charges" ADD CONSTRAINT "charges_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "payment"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "charges_payment_idempotency_key" ON "payment"."charges" USING btree ("payment_id","idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "charges_processing_key" ON "payment"."charges" USING btree ("payment_id") WHERE "payment"."charges"."status" = 'PROCESSING';--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_payment_cause_key" ON "payment"."refunds" USING btree ("payment_id","cause");--> statement-breakpoint
CREATE INDEX "refunds_payment_idx" ON "payment"."refunds" USING btree ("payment_id");--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD CONSTRAINT "payments_ledger_check" CHECK ("payment"."payments"."amount_paid_minor" >= 0 and "payment"."payments"."amount_refunded_minor" >= 0 and "payment"."payments"."fee_minor" >= 0 and "payment"."payments"."amount_refunded_minor" <= "payment"."payments"."amount_paid_minor");--> statement-breakpoint
ALTER TABLE "payment"."payments" ADD CONSTRAINT "payments_status_check" CHECK ("payment"."payments"."status" in ('REQUIRES_PAYMENT','PROCESSING','SUCCEEDED','FAILED','REFUND_PENDING','REFUNDED','CANCELLED'));--> statement-breakpoint
ALTER TABLE "payment"."refunds" ADD CONSTRAINT "refunds_amount_check" CHECK ("payment"."refunds"."amount_minor" >= 0 and "payment"."refunds"."fee_minor" >= 0);--> statement-breakpoint
-- Hand-written backfill: payments made before the ledger get their charge, amounts and terminal status.
INSERT INTO "payment"."charges" ("payment_id", "amount_minor", "currency", "status", "idempotency_key", "provider_reference", "failure_reason", "created_at", "updated_at")
SELECT "id", "amount_minor", "currency",
       CASE WHEN "status" IN ('SUCCEEDED','REFUND_PENDING','REFUNDED') THEN 'SUCCEEDED' ELSE "status" END,
       coalesce("idempotency_key", 'legacy-' || "id"), "provider_reference", "failure_reason", "created_at", "updated_at"
FROM "payment"."payments"
WHERE "status" IN ('PROCESSING','SUCCEEDED','FAILED','REFUND_PENDING','REFUNDED') AND "amount_minor" > 0;--> statement-breakpoint
UPDATE "payment"."payments" p SET
  "amount_paid_minor" = CASE WHEN p."status" IN ('SUCCEEDED','REFUND_PENDING','REFUNDED') THEN p."amount_minor" ELSE 0 END,
  "amount_refunded_minor" = coalesce((SELECT sum(r."amount_minor") FROM "payment"."refunds" r WHERE r."payment_id" = p."id"), 0),
  "status" = CASE WHEN p."status" = 'REQUIRES_PAYMENT' AND p."booking_closed_as" IS NOT NULL THEN 'CANCELLED' ELSE p."status" END;
