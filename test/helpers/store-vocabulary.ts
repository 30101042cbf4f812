import { readFileSync } from 'node:fs';
import { Vocabulary } from '../../core/vocabulary.ts';
import { fileReading, storeCatalogFile } from '../../src/catalog/demo.ts';
import { facetsOf } from '../../src/catalog/facets.ts';
import { parseJson } from '../../src/catalog/import.ts';
import { loadLexicon, loadSynonyms } from '../../src/catalog/lexicon.ts';

/** A store folder's vocabulary without a database: its catalog.json's facets, the lexicon and its synonyms (tests, the eval, benches). */
export function storeVocabulary(storeDir: string): Vocabulary {
  const { rows } = parseJson(readFileSync(storeCatalogFile(storeDir), 'utf8'), fileReading('KZT'));
  const lexicon = loadLexicon();
  return new Vocabulary(facetsOf(rows, lexicon), lexicon, loadSynonyms(`${storeDir}synonyms.yaml`));
}
