ALTER TABLE "shoppers" ADD COLUMN "language" text;--> statement-breakpoint
ALTER TABLE "shoppers" ADD COLUMN "marketing_opt_out_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "shoppers" ADD COLUMN "consent_changed_at" timestamp with time zone;