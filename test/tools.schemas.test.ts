import { describe, expect, it } from 'vitest';
import { toolSpecs, TOOLS } from '../core/tools.ts';
import { storeVocabulary } from './helpers/store-vocabulary.ts';
import { sampleStoreDir } from '../src/config.ts';

const vocabulary = storeVocabulary(sampleStoreDir('sports'));

describe('tool schemas the model sees', () => {
  it('are generated from the zod schemas that check the arguments: required fields agree', () => {
    for (const spec of toolSpecs(vocabulary)) {
      const { schema } = TOOLS[spec.function.name];
      const shape = (schema as unknown as { shape: Record<string, { safeParse(v: unknown): { success: boolean } }> }).shape;
      const requiredByZod = Object.entries(shape)
        .filter(([, field]) => !field.safeParse(undefined).success)
        .map(([k]) => k)
        .sort();
      const params = spec.function.parameters as { required?: string[]; properties: Record<string, unknown> };
      expect([...(params.required ?? [])].sort(), spec.function.name).toEqual(requiredByZod);
      expect(Object.keys(params.properties).sort(), spec.function.name).toEqual(Object.keys(shape).sort());
    }
  });

  it('search_products carries the catalog’s own categories as an enum and its colours as examples', () => {
    const spec = toolSpecs(vocabulary).find((t) => t.function.name === 'search_products')!;
    const props = (spec.function.parameters as { properties: Record<string, { enum?: string[]; examples?: string[]; description?: string }> }).properties;
    expect([...props.category!.enum!].sort()).toEqual([...vocabulary.values('category')].sort());
    expect(props.color!.examples).toEqual(vocabulary.values('color').slice(0, 10));
    expect(JSON.stringify(spec)).not.toMatch(/Диван|sofa/i);
  });

  it('escalate_to_manager may come without a reason, and the model is told so', () => {
    const spec = toolSpecs(vocabulary).find((t) => t.function.name === 'escalate_to_manager')!;
    expect(spec.function.parameters).toMatchObject({ type: 'object', properties: { reason: { type: 'string', maxLength: 500 } } });
    expect((spec.function.parameters as { required?: string[] }).required ?? []).toEqual([]);
    expect(TOOLS.escalate_to_manager.schema.safeParse({}).success).toBe(true);
  });
});
