ALTER TABLE "booking"."bookings" ADD COLUMN "cancellation_policy" jsonb;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancellation_refund_percent" integer;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancellation_refund_minor" integer;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancellation_fee_minor" integer;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancellation_fee_waived" boolean;