ALTER TABLE "escalations" ADD COLUMN "taken_by" text;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "taken_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "closed_at" timestamp with time zone;