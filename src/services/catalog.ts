import { Vocabulary } from '../../core/vocabulary.ts';
import { CatalogWrites } from '../catalog/catalog-writes.ts';
import { ProductEmbeddings } from '../catalog/embeddings.ts';
import { Vocabularies } from '../catalog/facets.ts';
import { sourceReading, type SourceReading } from '../catalog/source-reading.ts';
import { FolderFiles, TableFiles, type ExchangeFiles } from '../exchange/exchange-files.ts';
import { OneCExchange } from '../exchange/onec-exchange.ts';
import { runPriceAlerts } from '../jobs/price-alerts.ts';
import { Attempts, LOCKOUT_MS, WRONG_PASSWORDS } from '../kv/attempts.ts';
import { kvKeys } from '../kv/kv.ts';
import type { Commerce } from './commerce.ts';
import type { Messaging } from './messaging.ts';
import type { Platform } from './platform.ts';

/** The catalog: its vocabulary, embeddings, and every way products are written (admin API, CLI, feed, 1C). */
export interface CatalogArea {
  vocabulary: Vocabularies<Vocabulary>;
  /** With a model: product embeddings and their index (hybrid search); null offline. */
  embeddings: ProductEmbeddings | null;
  /** 1C's exchange, when ONEC_USER and ONEC_PASSWORD are set. */
  exchange: OneCExchange | null;
  /** Where exchange files (1C's uploads, feed downloads) are kept while they are imported. */
  exchangeFiles: ExchangeFiles;
  /** How the store's own system (1C, a feed) is read: the lexicon's field names and currencies, store.yaml's choices. */
  catalogReading: () => SourceReading;
  /** The only way products are written (admin API, CLI, feed, 1C, demo): then counted, the vocabulary refreshed, price alerts run. */
  catalogWrites: CatalogWrites;
}

export async function buildCatalog(p: Platform, m: Pick<Messaging, 'sender'>, c: Commerce): Promise<CatalogArea> {
  const { config, database, clock, log, profile } = p;
  const vocabulary = new Vocabularies({
    db: database.db,
    log,
    make: (facets, lexicon, synonyms) => new Vocabulary(facets, lexicon, synonyms),
    synonymsFile: `${config.storeDir}synonyms.yaml`,
  });
  await vocabulary.refresh();
  // with a model, search is hybrid: embeddings computed in the background, lexical until they are
  const embeddings =
    p.openai && config.OPENAI_EMBEDDING_MODEL !== 'off'
      ? new ProductEmbeddings({
          db: database.db,
          openai: p.openai,
          model: config.OPENAI_EMBEDDING_MODEL,
          dimensions: config.OPENAI_EMBEDDING_DIMENSIONS,
          queryTimeoutMs: config.OPENAI_EMBEDDING_TIMEOUT_MS,
          minSimilarity: config.EMBEDDING_MIN_SIMILARITY,
          log,
        })
      : null;
  embeddings?.refreshLater();
  // Postgres: any process may take 1C's next call; PGlite: one process, and a folder is far faster for large files
  const exchangeFiles: ExchangeFiles =
    database.kind === 'postgres'
      ? new TableFiles(database.db)
      : new FolderFiles(config.DATA_DIR.startsWith('memory://') ? null : `${config.DATA_DIR}/exchange`);
  const catalogReading = () => sourceReading(vocabulary.lexicon, profile.current().catalogSource, profile.current().currency);
  const catalogWrites = new CatalogWrites({
    db: database.db,
    files: exchangeFiles,
    clock,
    log,
    reading: catalogReading,
    publicUrl: config.PUBLIC_URL ?? null,
    maxBytes: config.ONEC_MAX_FILE_MB * 1024 * 1024,
    // prices and stock from any source fire price-drop and back-in-stock alerts at once, not at the next cron tick
    changed: async (source, counts) => {
      for (const [count, n] of Object.entries(counts)) if (n) p.metrics.catalogImportItems.inc({ source, count }, n);
      if (counts.inserted || counts.updated || counts.deactivated || counts.deleted) {
        await vocabulary.refresh();
        embeddings?.refreshLater();
      }
      if (!counts.priceChanges && !counts.stockChanges && !counts.updated) return;
      const fired = await runPriceAlerts({
        db: database.db,
        now: clock.now(),
        templates: p.templates.current(),
        defaultLanguage: profile.current().defaultLanguage,
      });
      if (fired.enqueued || fired.backInStock) m.sender.pump.notify();
    },
  });
  const exchange =
    config.ONEC_USER && config.ONEC_PASSWORD
      ? new OneCExchange({
          db: database.db,
          files: exchangeFiles,
          clock,
          log,
          metrics: p.metrics,
          profile: () => profile.current(),
          orders: c.orders,
          user: config.ONEC_USER,
          password: config.ONEC_PASSWORD,
          attempts: new Attempts(p.kv, { prefix: kvKeys.onecAuthAttempts, limit: WRONG_PASSWORDS, windowMs: LOCKOUT_MS }),
          fileLimit: config.ONEC_FILE_LIMIT,
          maxFileBytes: config.ONEC_MAX_FILE_MB * 1024 * 1024,
          waitMs: config.ONEC_IMPORT_WAIT_MS,
          writes: catalogWrites,
        })
      : null;
  return { vocabulary, embeddings, exchange, exchangeFiles, catalogReading, catalogWrites };
}
