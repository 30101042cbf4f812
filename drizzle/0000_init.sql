CREATE TABLE "inbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"wamid" text NOT NULL,
	"shopper_key" text NOT NULL,
	"phone_number_id" text,
	"type" text NOT NULL,
	"message" jsonb NOT NULL,
	"contact" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"not_before" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"claim_token" text,
	"last_error" text,
	"message_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "message_statuses" (
	"wamid" text NOT NULL,
	"status" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"error_code" integer,
	"error_detail" text,
	"callback" text,
	"raw" jsonb NOT NULL,
	CONSTRAINT "message_statuses_wamid_status_pk" PRIMARY KEY("wamid","status")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"shopper_key" text NOT NULL,
	"phone_number_id" text,
	"inbox_id" bigint,
	"payload" jsonb NOT NULL,
	"fallback_template" jsonb,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"claim_token" text,
	"wamid" text,
	"error_code" integer,
	"error_detail" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shoppers" (
	"key" text PRIMARY KEY NOT NULL,
	"wa_id" text,
	"user_id" text,
	"name" text,
	"phone_number_id" text,
	"last_inbound_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"name" text NOT NULL,
	"language" text NOT NULL,
	"meta_id" text,
	"category" text,
	"status" text NOT NULL,
	"reason" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "templates_name_language_pk" PRIMARY KEY("name","language")
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"field" text,
	"code" integer,
	"detail" text,
	"raw" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "inbox_wamid_uq" ON "inbox" USING btree ("wamid");--> statement-breakpoint
CREATE INDEX "inbox_open_by_shopper_idx" ON "inbox" USING btree ("shopper_key","id") WHERE status in ('pending', 'processing');--> statement-breakpoint
CREATE INDEX "inbox_open_idx" ON "inbox" USING btree ("id") WHERE status in ('pending', 'processing');--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe_uq" ON "outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_wamid_uq" ON "outbox" USING btree ("wamid");--> statement-breakpoint
CREATE INDEX "outbox_open_by_shopper_idx" ON "outbox" USING btree ("shopper_key","id") WHERE status in ('pending', 'sending');--> statement-breakpoint
CREATE INDEX "outbox_open_idx" ON "outbox" USING btree ("next_attempt_at") WHERE status in ('pending', 'sending');--> statement-breakpoint
CREATE INDEX "shoppers_user_id_idx" ON "shoppers" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "shoppers_wa_id_idx" ON "shoppers" USING btree ("wa_id");