ALTER TABLE "notification"."notifications" ADD COLUMN "recipient_address" text;--> statement-breakpoint
ALTER TABLE "notification"."notifications" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "notification"."notifications" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "notifications_pending_idx" ON "notification"."notifications" USING btree ("next_attempt_at") WHERE "notification"."notifications"."status" = 'PENDING';