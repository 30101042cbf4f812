import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OneCClient } from './fakes/onec-client.ts';
import { browserSuite, signInToConsole } from './helpers/browser.ts';

/**
 * The operator's view of 1C: a whole exchange of the sample files over real HTTP, then one cut
 * short; the console's «Обмен каталога» tab lists both, and the done one shows what it changed.
 * The screenshot is the README's.
 */
describe('1C exchanges in the console, in chromium', () => {
  const suite = browserSuite({ ADMIN_TOKEN: 'console-secret', ONEC_USER: 'exchange', ONEC_PASSWORD: 's3cret-1c' }, false);

  it('a done and a failed exchange, listed with what changed and why it failed', async () => {
    const fixture = (name: string) => readFileSync(new URL(`./fixtures/commerceml/${name}`, import.meta.url));
    const client = () => new OneCClient({ fetch: (u, init) => fetch(u, init), url: `${suite.base}/exchange/1c`, user: 'exchange', password: 's3cret-1c' });
    const ok = await client().exchangeCatalog(
      [
        { name: 'import.xml', data: fixture('import0_1_with_nested_groups.xml') },
        { name: 'offers.xml', data: fixture('offers0_1.xml') },
      ],
      { imports: ['import.xml', 'offers.xml'], deactivate: true },
    );
    expect(ok).toEqual({ ok: true, answer: 'success' });
    suite.h.clock.advance(60_000);
    const cut = await client().exchangeCatalog([{ name: 'offers.xml', data: fixture('offers0_1.xml').subarray(0, 5000) }], { imports: ['offers.xml'] });
    expect(cut.ok).toBe(false);
    expect(cut.answer).toMatch(/^failure\noffers\.xml: the file is not whole CommerceML: line \d+, column \d+: /);

    const page = await suite.browser.newPage({ viewport: { width: 1000, height: 640 } });
    await signInToConsole(suite, page);
    await page.getByRole('button', { name: 'Обмен каталога' }).click();
    const items = page.locator('#queue .item');
    await expect.poll(() => items.count()).toBe(2);
    expect(await items.nth(0).locator('.st').textContent()).toBe('ошибка');
    expect(await items.nth(0).textContent()).toContain('the file is not whole CommerceML');
    expect(await items.nth(1).locator('.st').textContent()).toBe('готово');
    await items.nth(1).click();
    await expect.poll(() => page.locator('#order').textContent()).toContain('цен изменилось44');
    expect(await page.locator('#order').textContent()).toContain('предложений прочитано44');
    mkdirSync('test-artifacts', { recursive: true });
    mkdirSync('test/screenshots', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/console-exchanges.png' });
    copyFileSync('test-artifacts/console-exchanges.png', 'test/screenshots/console-exchanges.png');
  });
});
