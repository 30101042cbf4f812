CREATE TABLE "catalog_exchanges" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"orders" jsonb
);
--> statement-breakpoint
CREATE TABLE "catalog_files" (
	"path" text PRIMARY KEY NOT NULL,
	"data" "bytea" NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalog_groups" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"parent_id" text
);
--> statement-breakpoint
CREATE TABLE "catalog_properties" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"values" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "exchange_files" (
	"exchange_id" text NOT NULL,
	"name" text NOT NULL,
	"seq" integer NOT NULL,
	"size" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "exchange_files_exchange_id_name_seq_pk" PRIMARY KEY("exchange_id","name","seq")
);
--> statement-breakpoint
CREATE TABLE "exchange_imports" (
	"exchange_id" text NOT NULL,
	"filename" text NOT NULL,
	"status" text NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	CONSTRAINT "exchange_imports_exchange_id_filename_pk" PRIMARY KEY("exchange_id","filename")
);
--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "parent_id" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "synced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "stock_places" jsonb;--> statement-breakpoint
CREATE INDEX "catalog_exchanges_started_idx" ON "catalog_exchanges" USING btree ("started_at");--> statement-breakpoint
-- exchange files are XML and zip pieces read back whole: compressing them in TOAST costs time both ways
ALTER TABLE "exchange_files" ALTER COLUMN "data" SET STORAGE EXTERNAL;
