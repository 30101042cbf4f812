CREATE TABLE "product_embeddings" (
	"product_id" text PRIMARY KEY NOT NULL,
	"words_hash" text NOT NULL,
	"vector" "bytea" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
