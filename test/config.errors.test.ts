import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';

const fail = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('the embedded default needs nothing', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, DATA_DIR: './data', sandbox: true, DEMO_CATALOG: 'on', OPENAI_MODEL: 'gpt-4o-mini', WHATSAPP_MAX_MPS: 80 });
    // the store's currency, languages and name come from its profile; the environment only overrides
    expect(c.CURRENCY).toBeUndefined();
    // the demo's files beside its catalog; with no demo, the files of a store without its own
    expect(c.storeDir).toMatch(/templates\/samples\/furniture\/$/);
    expect(loadConfig({ DEMO_CATALOG: 'off' }).storeDir).toMatch(/templates\/$/);
    expect(loadConfig({ DEMO_CATALOG: 'off', STORE_DIR: '/srv/shop' }).storeDir).toBe('/srv/shop/');
    expect(loadConfig({ DEMO_CATALOG: 'sports' }).storeDir).toMatch(/templates\/samples\/sports\/$/);
    expect(() => loadConfig({ DEMO_CATALOG: 'no-such-store' })).toThrow(/DEMO_CATALOG/);
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('with WHATSAPP_TOKEN, the secret, verify token and phone number id are required — each named', () => {
    const msg = fail({ WHATSAPP_TOKEN: 'x' });
    expect(msg).toContain('WHATSAPP_APP_SECRET: required when WHATSAPP_TOKEN is set');
    expect(msg).toContain('WHATSAPP_VERIFY_TOKEN: required when WHATSAPP_TOKEN is set');
    expect(msg).toContain('WHATSAPP_PHONE_NUMBER_ID: required when WHATSAPP_TOKEN is set');
  });

  it('every invalid variable is named in one message', () => {
    const msg = fail({ PORT: 'eighty', DATABASE_URL: 'not a url', WHATSAPP_MAX_MPS: '0', LOG_LEVEL: 'loud', MANAGER_PHONES: '+77011234567, call me' });
    for (const name of ['PORT', 'DATABASE_URL', 'WHATSAPP_MAX_MPS', 'LOG_LEVEL', 'MANAGER_PHONES']) expect(msg).toContain(`${name}:`);
    expect(msg.split('\n')).toHaveLength(1);
  });

  it('empty strings count as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', WHATSAPP_TOKEN: ' ' }).sandbox).toBe(true);
  });

  it('parses manager phones', () => {
    expect(loadConfig({ MANAGER_PHONES: '+77011234567, 77017654321' }).MANAGER_PHONES).toEqual(['+77011234567', '77017654321']);
  });
});
