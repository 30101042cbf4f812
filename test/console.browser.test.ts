import { mkdirSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { startHarness, textWebhook, type Harness } from './helpers/harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** In the sandbox a shopper asks for a manager; a manager signs in to /console, takes, replies, closes; the bot is back. */
describe('manager console in chromium', () => {
  const backend = backends()[0]!;
  let h: Harness;
  let server: ServerType;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant', ADMIN_TOKEN: 'console-secret' }, demo: true });
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

  const outbound = async (phone: string) => {
    const res = await h.app.request(`/sandbox/api/chats/${phone}/messages`);
    return ((await res.json()).messages as Array<{ direction: string; message: any }>).filter((e) => e.direction === 'out').map((e) => e.message.text?.body ?? e.message.type);
  };

  it('sign in, take, reply, close — and the bot answers the shopper again', async () => {
    const shopper = '77090000001';
    await h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textWebhook({ from: shopper, body: 'позовите менеджера', at: h.clock.now() })) });
    await expect.poll(() => outbound(shopper)).toContain('Передаю разговор менеджеру — он скоро ответит здесь же.');

    const page = await browser.newPage({ viewport: { width: 390, height: 780 } });
    await page.goto(`${base}/console`);
    await page.getByLabel('Токен менеджера').fill('wrong');
    await page.getByRole('button', { name: 'Войти' }).click();
    await expect.poll(() => page.locator('#loginError').textContent()).toBe('Неверный токен');
    await page.getByLabel('Токен менеджера').fill('console-secret');
    await page.getByRole('button', { name: 'Войти' }).click();

    await page.locator('.item', { hasText: shopper }).click();
    await expect.poll(() => page.locator('#history').textContent()).toContain('позовите менеджера');
    await page.getByRole('button', { name: 'Взять' }).click();
    await page.getByLabel('Ответ покупателю').fill('Здравствуйте! Я Айгерим, помогу выбрать диван.');
    await page.getByRole('button', { name: 'Отправить' }).click();
    await expect.poll(() => outbound(shopper)).toContain('Здравствуйте! Я Айгерим, помогу выбрать диван.');

    // the shopper answers; the console shows it live (server-sent events)
    await h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textWebhook({ from: shopper, body: 'Хочу серый, до 300 тысяч', at: h.clock.now() })) });
    await expect.poll(() => page.locator('#history').textContent(), { timeout: 10_000 }).toContain('Хочу серый, до 300 тысяч');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/console.png' });

    await page.getByRole('button', { name: 'Завершить' }).click();
    await expect.poll(() => page.locator('#detail').textContent()).toBe('Запрос закрыт');

    const before = (await outbound(shopper)).length;
    await h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textWebhook({ from: shopper, body: 'привет', at: h.clock.now() })) });
    await expect.poll(async () => (await outbound(shopper)).slice(before)).toEqual([expect.stringMatching(/^Здравствуйте, Test Shopper!/)]);
  });
});
