-- Trigram matching for the catalog's "did you mean" (contrib on Postgres, bundled in PGlite).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
