CREATE SCHEMA "inventory";
--> statement-breakpoint
CREATE TABLE "inventory"."slots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"venue_id" uuid NOT NULL,
	"title" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"max_per_user" integer DEFAULT 4 NOT NULL,
	"sale_starts_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slots_time_check" CHECK ("inventory"."slots"."ends_at" > "inventory"."slots"."starts_at"),
	CONSTRAINT "slots_max_per_user_check" CHECK ("inventory"."slots"."max_per_user" > 0)
);
--> statement-breakpoint
CREATE TABLE "inventory"."venues" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"city" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"owner_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "venues_kind_check" CHECK ("inventory"."venues"."kind" in ('THEATRE', 'RESTAURANT', 'HOTEL', 'OTHER'))
);
--> statement-breakpoint
CREATE TABLE "inventory"."zones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slot_id" uuid NOT NULL,
	"name" text NOT NULL,
	"capacity" integer NOT NULL,
	"price_minor" integer NOT NULL,
	"currency" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "zones_capacity_check" CHECK ("inventory"."zones"."capacity" >= 0),
	CONSTRAINT "zones_price_check" CHECK ("inventory"."zones"."price_minor" >= 0),
	CONSTRAINT "zones_currency_check" CHECK ("inventory"."zones"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "inventory"."slots" ADD CONSTRAINT "slots_venue_id_venues_id_fk" FOREIGN KEY ("venue_id") REFERENCES "inventory"."venues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inventory"."zones" ADD CONSTRAINT "zones_slot_id_slots_id_fk" FOREIGN KEY ("slot_id") REFERENCES "inventory"."slots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "slots_venue_starts_idx" ON "inventory"."slots" USING btree ("venue_id","starts_at");--> statement-breakpoint
CREATE INDEX "venues_owner_idx" ON "inventory"."venues" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "zones_slot_idx" ON "inventory"."zones" USING btree ("slot_id");