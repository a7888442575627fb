CREATE SCHEMA "booking";
--> statement-breakpoint
CREATE TABLE "booking"."bookings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"reference" text NOT NULL,
	"user_id" text NOT NULL,
	"zone_id" uuid NOT NULL,
	"slot_id" uuid NOT NULL,
	"venue_id" uuid NOT NULL,
	"quantity" integer NOT NULL,
	"status" text NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"base_minor" integer NOT NULL,
	"tax_minor" integer NOT NULL,
	"discount_minor" integer DEFAULT 0 NOT NULL,
	"total_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"special_requests" text,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bookings_quantity_check" CHECK ("booking"."bookings"."quantity" > 0),
	CONSTRAINT "bookings_status_check" CHECK ("booking"."bookings"."status" in ('PENDING','CONFIRMED','CHECKED_IN','COMPLETED','CANCELLED','EXPIRED','FAILED','NO_SHOW')),
	CONSTRAINT "bookings_total_check" CHECK ("booking"."bookings"."total_minor" = "booking"."bookings"."base_minor" + "booking"."bookings"."tax_minor" - "booking"."bookings"."discount_minor")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "bookings_reference_key" ON "booking"."bookings" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "bookings_user_created_idx" ON "booking"."bookings" USING btree ("user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "bookings_zone_idx" ON "booking"."bookings" USING btree ("zone_id");