CREATE TABLE "inventory"."holds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"zone_id" uuid NOT NULL,
	"slot_id" uuid NOT NULL,
	"user_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"status" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"released_at" timestamp with time zone,
	CONSTRAINT "holds_quantity_check" CHECK ("inventory"."holds"."quantity" > 0),
	CONSTRAINT "holds_status_check" CHECK ("inventory"."holds"."status" in ('HELD', 'SOLD', 'RELEASED'))
);
--> statement-breakpoint
ALTER TABLE "inventory"."holds" ADD CONSTRAINT "holds_zone_id_zones_id_fk" FOREIGN KEY ("zone_id") REFERENCES "inventory"."zones"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inventory"."holds" ADD CONSTRAINT "holds_slot_id_slots_id_fk" FOREIGN KEY ("slot_id") REFERENCES "inventory"."slots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "holds_active_slot_idx" ON "inventory"."holds" USING btree ("slot_id") WHERE "inventory"."holds"."status" <> 'RELEASED';--> statement-breakpoint
CREATE INDEX "holds_expiry_idx" ON "inventory"."holds" USING btree ("expires_at") WHERE "inventory"."holds"."status" = 'HELD';