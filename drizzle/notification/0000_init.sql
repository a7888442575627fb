CREATE SCHEMA "notification";
--> statement-breakpoint
CREATE TABLE "notification"."notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"booking_id" uuid,
	"recipient_id" text NOT NULL,
	"channel" text NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "notifications_channel_check" CHECK ("notification"."notifications"."channel" in ('EMAIL','SMS','PUSH')),
	CONSTRAINT "notifications_status_check" CHECK ("notification"."notifications"."status" in ('PENDING','SENT','FAILED'))
);
--> statement-breakpoint
CREATE INDEX "notifications_booking_idx" ON "notification"."notifications" USING btree ("booking_id","created_at");--> statement-breakpoint
CREATE INDEX "notifications_recipient_idx" ON "notification"."notifications" USING btree ("recipient_id","created_at");