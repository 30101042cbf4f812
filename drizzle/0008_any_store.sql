CREATE TABLE "catalog_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "products" ALTER COLUMN "search" DROP EXPRESSION;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "active" boolean DEFAULT true NOT NULL;--> statement-breakpoint
INSERT INTO "catalog_settings" ("key", "value") VALUES ('search_configs', 'russian,english,simple') ON CONFLICT DO NOTHING;--> statement-breakpoint
-- The search vector in each configuration of catalog_settings.search_configs: the name (A);
-- category, brand, colour, style, material, tags and attribute values (B); the description (C).
-- ё is е, as the shopper's words are normalised. A number and its unit are split ("128GB" → "128 GB") so either spelling finds the other.
-- A filter value as one search token: 'f' and an md5 (letters and digits, never split by the parser).
CREATE OR REPLACE FUNCTION vitrina_filter_token(field text, value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN coalesce(value, '') = '' THEN NULL ELSE 'f' || md5(field || ':' || lower(value)) END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION vitrina_search_vector(p products) RETURNS tsvector LANGUAGE plpgsql STABLE AS $$
DECLARE
  cfg regconfig;
  v tsvector := ''::tsvector;
  nm text := translate(regexp_replace(coalesce(p.name, ''), '([0-9])([^0-9[:space:].,])', '\1 \2', 'g'), 'ёЁ', 'еЕ');
  facts text := translate(regexp_replace(concat_ws(' ', p.category, p.brand, p.color, p.style, p.material, array_to_string(p.tags, ' '),
    (select string_agg(a.value, ' ') from jsonb_each_text(p.attributes) a)), '([0-9])([^0-9[:space:].,])', '\1 \2', 'g'), 'ёЁ', 'еЕ');
BEGIN
  FOREACH cfg IN ARRAY coalesce((select string_to_array(value, ',') from catalog_settings where key = 'search_configs'), '{simple}')::regconfig[] LOOP
    v := v || setweight(to_tsvector(cfg, nm), 'A') || setweight(to_tsvector(cfg, facts), 'B') || setweight(to_tsvector(cfg, translate(coalesce(p.description, ''), 'ёЁ', 'еЕ')), 'C');
  END LOOP;
  -- One token per filter value (vitrina_filter_token), so a search with a category or colour is
  -- one GIN scan instead of a bitmap AND with a b-tree over a fifth of the catalog.
  RETURN v || setweight(to_tsvector('simple', concat_ws(' ',
    vitrina_filter_token('category', p.category), vitrina_filter_token('brand', p.brand), vitrina_filter_token('color', p.color),
    vitrina_filter_token('style', p.style), vitrina_filter_token('material', p.material))), 'D');
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION products_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search := vitrina_search_vector(NEW);
  RETURN NEW;
END $$;--> statement-breakpoint
CREATE TRIGGER products_search BEFORE INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION products_search_trigger();--> statement-breakpoint
UPDATE products SET search = vitrina_search_vector(products);
