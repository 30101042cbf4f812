DROP INDEX "products_category_price_idx";--> statement-breakpoint
CREATE INDEX "products_category_price_idx" ON "products" USING btree (lower("category"),"price","id");