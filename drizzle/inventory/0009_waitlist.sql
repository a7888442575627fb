CREATE TABLE "inventory"."waitlist_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"zone_id" uuid NOT NULL,
	"slot_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"email" text,
	"quantity" integer NOT NULL,
	"status" text DEFAULT 'WAITING' NOT NULL,
	"offer_quantity" integer,
	"offer_expires_at" timestamp with time zone,
	"booking_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "waitlist_entries_quantity_check" CHECK ("inventory"."waitlist_entries"."quantity" > 0),
	CONSTRAINT "waitlist_entries_status_check" CHECK ("inventory"."waitlist_entries"."status" in ('WAITING', 'OFFERED', 'ACCEPTED', 'LAPSED', 'LEFT'))
);
--> statement-breakpoint
ALTER TABLE "inventory"."waitlist_entries" ADD CONSTRAINT "waitlist_entries_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "inventory"."zones"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inventory"."waitlist_entries" ADD CONSTRAINT "waitlist_entries_slot_id_slots_id_fk" FOREIGN KEY ("slot_id") REFERENCES "inventory"."slots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_entries_active_user_idx" ON "inventory"."waitlist_entries" USING btree ("zone_id","user_id") WHERE "inventory"."waitlist_entries"."status" in ('WAITING', 'OFFERED');--> statement-breakpoint
CREATE INDEX "waitlist_entries_waiting_idx" ON "inventory"."waitlist_entries" USING btree ("zone_id","seq") WHERE "inventory"."waitlist_entries"."status" = 'WAITING';--> statement-breakpoint
CREATE INDEX "waitlist_entries_offer_expiry_idx" ON "inventory"."waitlist_entries" USING btree ("offer_expires_at") WHERE "inventory"."waitlist_entries"."status" = 'OFFERED';--> statement-breakpoint
CREATE INDEX "waitlist_entries_user_idx" ON "inventory"."waitlist_entries" USING btree ("user_id","created_at");