import { Index, MetricKind, ScalarKind, exactSearch } from 'usearch';

/**
 * Nearest products by embedding, in process. Up to EXACT_MAX vectors every search is exact (a
 * SIMD dot product over all of them: about 2 ms for 20,000 × 256); above it an HNSW graph
 * (usearch, int8) answers in under a millisecond. The graph is built in slices that yield to the
 * event loop, so turns keep being answered while a large catalog is indexed; until it is ready,
 * searches stay exact. Vectors are unit length: the score is the cosine similarity.
 */
export class VectorIndex {
  static readonly EXACT_MAX = 20_000;
  private static readonly SLICE = 250;
  private ids: string[] = [];
  private matrix: Float32Array = new Float32Array(0);
  private graph: Index | null = null;

  constructor(readonly dimensions: number) {}

  get size(): number {
    return this.ids.length;
  }

  /** Bytes held, estimated: the float32 vectors exactly, and for a graph its int8 copy with 16 links a level (bench:search also reports the process's growth). */
  get bytes(): number {
    return this.matrix.byteLength + (this.graph ? this.ids.length * (this.dimensions + 16 * 2 * 4 + 8) : 0);
  }

  /** Replaces the contents; resolves when searches use the new vectors (a large set's graph follows in the background). */
  async load(ids: string[], matrix: Float32Array): Promise<void> {
    if (matrix.length !== ids.length * this.dimensions) throw new Error(`vector index: ${ids.length} ids for ${matrix.length / this.dimensions} vectors`);
    this.ids = ids;
    this.matrix = matrix;
    this.graph = null;
    this.building = ids.length > VectorIndex.EXACT_MAX ? this.build(ids, matrix) : null;
  }

  /** Resolves when a large set's graph is built (searches are exact until then). */
  async ready(): Promise<void> {
    await this.building;
  }
  private building: Promise<void> | null = null;

  private async build(ids: string[], matrix: Float32Array): Promise<void> {
    const graph = new Index({
      metric: MetricKind.Cos,
      dimensions: this.dimensions,
      quantization: ScalarKind.I8,
      connectivity: 16,
      expansion_add: 0,
      expansion_search: 0,
      multi: false,
    });
    const d = this.dimensions;
    for (let from = 0; from < ids.length; from += VectorIndex.SLICE) {
      const to = Math.min(ids.length, from + VectorIndex.SLICE);
      const keys = new BigUint64Array(to - from);
      for (let i = from; i < to; i++) keys[i - from] = BigInt(i);
      graph.add(keys, matrix.subarray(from * d, to * d), 0);
      await new Promise((resolve) => setImmediate(resolve));
      // a newer load replaced these vectors: this graph is not theirs
      if (this.matrix !== matrix) return;
    }
    this.graph = graph;
  }

  /** The k products nearest to a unit vector, nearest first, with their cosine similarity. */
  nearest(query: Float32Array, k: number): Array<{ id: string; score: number }> {
    const n = Math.min(k, this.ids.length);
    if (!n) return [];
    const m = this.graph ? this.graph.search(query, n, 1) : exactSearch(this.matrix, query, this.dimensions, n, MetricKind.IP, 1);
    const out: Array<{ id: string; score: number }> = [];
    for (let i = 0; i < m.keys.length; i++) {
      const id = this.ids[Number(m.keys[i])];
      // cos and ip distances are 1 − similarity
      if (id !== undefined) out.push({ id, score: 1 - m.distances[i]! });
    }
    return out;
  }
}
