CREATE TABLE "message_pricing" (
	"wamid" text PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"category" text NOT NULL,
	"type" text,
	"model" text,
	"billable" boolean,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "message_pricing_at_idx" ON "message_pricing" USING btree ("at");