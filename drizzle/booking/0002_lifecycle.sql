ALTER TABLE "booking"."bookings" ADD COLUMN "organizer_id" text;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "slot_starts_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancellation_deadline_hours" integer;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancelled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancellation_reason" text;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancellation_notes" text;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "cancelled_by" text;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "seats_released_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "bookings_unreleased_idx" ON "booking"."bookings" USING btree ("updated_at") WHERE "booking"."bookings"."status" in ('CANCELLED','EXPIRED','FAILED') and "booking"."bookings"."seats_released_at" is null;