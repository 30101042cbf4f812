CREATE TABLE "analytics_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedupe_key" text,
	"shopper_key" text,
	"kind" text NOT NULL,
	"data" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalog_terms" (
	"term" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "escalations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shopper_key" text NOT NULL,
	"reason" text NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "preferences" (
	"shopper_key" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shopper_key" text NOT NULL,
	"product_id" text NOT NULL,
	"kind" text NOT NULL,
	"percent" integer,
	"base_price" bigint NOT NULL,
	"target_price" bigint NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"triggered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "price_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"product_id" text NOT NULL,
	"price" bigint NOT NULL,
	"old_price" bigint,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product_views" (
	"dedupe_key" text PRIMARY KEY NOT NULL,
	"shopper_key" text NOT NULL,
	"product_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"category" text DEFAULT '' NOT NULL,
	"brand" text DEFAULT '' NOT NULL,
	"color" text DEFAULT '' NOT NULL,
	"style" text DEFAULT '' NOT NULL,
	"material" text DEFAULT '' NOT NULL,
	"price" bigint NOT NULL,
	"old_price" bigint,
	"currency" text NOT NULL,
	"stock" integer DEFAULT 0 NOT NULL,
	"image_url" text,
	"url" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('russian'::regconfig, coalesce(name, '')), 'A') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') ||
        setweight(to_tsvector('russian'::regconfig, coalesce(category, '') || ' ' || coalesce(brand, '') || ' ' || coalesce(color, '') || ' ' || coalesce(style, '') || ' ' || coalesce(material, '')), 'B') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(category, '') || ' ' || coalesce(color, '') || ' ' || coalesce(style, '')), 'B') ||
        setweight(to_tsvector('russian'::regconfig, coalesce(description, '')), 'C') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'D')) STORED
);
--> statement-breakpoint
CREATE UNIQUE INDEX "analytics_dedupe_uq" ON "analytics_events" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "analytics_kind_at_idx" ON "analytics_events" USING btree ("kind","at");--> statement-breakpoint
CREATE INDEX "catalog_terms_trgm_idx" ON "catalog_terms" USING gin ("term" gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "escalations_open_uq" ON "escalations" USING btree ("shopper_key") WHERE status in ('open', 'taken');--> statement-breakpoint
CREATE UNIQUE INDEX "price_alerts_active_uq" ON "price_alerts" USING btree ("shopper_key","product_id") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "price_alerts_product_idx" ON "price_alerts" USING btree ("product_id","target_price") WHERE status = 'active';--> statement-breakpoint
CREATE INDEX "price_history_product_idx" ON "price_history" USING btree ("product_id","at");--> statement-breakpoint
CREATE INDEX "product_views_shopper_idx" ON "product_views" USING btree ("shopper_key","at");--> statement-breakpoint
CREATE INDEX "product_views_product_idx" ON "product_views" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "products_search_idx" ON "products" USING gin ("search");--> statement-breakpoint
CREATE INDEX "products_category_price_idx" ON "products" USING btree (lower("category"),"price");--> statement-breakpoint
CREATE INDEX "products_color_idx" ON "products" USING btree (lower("color"));--> statement-breakpoint
CREATE INDEX "products_price_idx" ON "products" USING btree ("price");