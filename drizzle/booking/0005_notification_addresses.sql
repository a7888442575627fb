ALTER TABLE "booking"."bookings" ADD COLUMN "guest_email" text;--> statement-breakpoint
ALTER TABLE "booking"."bookings" ADD COLUMN "organizer_email" text;