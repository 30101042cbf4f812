CREATE TABLE "cart_lines" (
	"shopper_key" text NOT NULL,
	"product_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"seen_price" bigint NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "cart_lines_shopper_key_product_id_pk" PRIMARY KEY("shopper_key","product_id")
);
--> statement-breakpoint
CREATE TABLE "carts" (
	"shopper_key" text PRIMARY KEY NOT NULL,
	"checkout" jsonb,
	"changed_at" timestamp with time zone NOT NULL,
	"reminded_at" timestamp with time zone,
	"remind_after" timestamp with time zone,
	"reminder_attempts" integer DEFAULT 0 NOT NULL,
	"reminder_key" text
);
--> statement-breakpoint
CREATE TABLE "order_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" bigint NOT NULL,
	"status" text NOT NULL,
	"by" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_lines" (
	"order_id" bigint NOT NULL,
	"line" integer NOT NULL,
	"product_id" text NOT NULL,
	"name" text NOT NULL,
	"price" bigint NOT NULL,
	"quantity" integer NOT NULL,
	CONSTRAINT "order_lines_order_id_line_pk" PRIMARY KEY("order_id","line")
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"source_key" text NOT NULL,
	"shopper_key" text NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"fulfilment" text NOT NULL,
	"address" text,
	"location" jsonb,
	"customer_name" text NOT NULL,
	"total" bigint NOT NULL,
	"currency" text NOT NULL,
	"language" text NOT NULL,
	"payment_url" text,
	"invoice_token" text NOT NULL,
	"crm_deal_id" text,
	"exported_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "carts_changed_idx" ON "carts" USING btree ("changed_at") WHERE reminded_at is null;--> statement-breakpoint
CREATE INDEX "order_events_order_idx" ON "order_events" USING btree ("order_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_number_uq" ON "orders" USING btree ("number");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_source_uq" ON "orders" USING btree ("source_key");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_invoice_uq" ON "orders" USING btree ("invoice_token");--> statement-breakpoint
CREATE INDEX "orders_shopper_idx" ON "orders" USING btree ("shopper_key","id");--> statement-breakpoint
CREATE INDEX "orders_status_idx" ON "orders" USING btree ("status","id");--> statement-breakpoint
-- Order numbers people read: 1001, 1002, … (a crashed turn leaves a gap, never a double).
CREATE SEQUENCE IF NOT EXISTS "order_numbers" START 1001;
--> statement-breakpoint
-- The search vector depends on the words of a product only: a stock or price change (an order's
-- reservation, 1C's offers) no longer rebuilds it.
DROP TRIGGER IF EXISTS products_search ON products;--> statement-breakpoint
CREATE TRIGGER products_search BEFORE INSERT OR UPDATE OF name, description, category, brand, color, style, material, tags, attributes ON products FOR EACH ROW EXECUTE FUNCTION products_search_trigger();
