import { mkdirSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The sandbox page in Debian's chromium: type, open a list, tap a row, tap a button. */
describe('sandbox page in chromium', () => {
  const backend = backends()[0]!;
  let h: Harness;
  let server: ServerType;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    h = await startHarness({ backend });
    h.services.inbox.pump.start();
    h.services.sender.pump.start();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await h?.close();
  });

  it('a shopper chats, opens a list, taps a row and a button', async () => {
    const page = await browser.newPage({ viewport: { width: 420, height: 820 } });
    await page.goto(`${base}/sandbox?phone=77015550001&name=Айгерим`);
    const input = page.getByLabel('Сообщение');
    await input.fill('меню');
    await input.press('Enter');

    await page.getByRole('button', { name: '☰ Каталог' }).click();
    await page.getByRole('button', { name: /Кресла/ }).click();
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toContain('Вы выбрали: Кресла');

    await input.fill('кнопки');
    await input.press('Enter');
    await page.getByRole('button', { name: 'Менеджер' }).click();
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toContain('Вы выбрали: Менеджер');

    const shopperSide = await page.locator('.msg.in').allTextContents();
    expect(shopperSide.map((t) => t.replace(/\d{1,2}:\d\d(\s?[AP]M)?$/, ''))).toEqual(['меню', 'Кресла', 'кнопки', 'Менеджер']);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/sandbox.png' });
  });
});
