import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accounts } from '../src/console/manager-accounts.ts';
import { browserSuite, MANAGER_PASSWORD } from './helpers/browser.ts';
import { textWebhook } from './helpers/harness.ts';

/** In the sandbox a shopper asks for a manager; a manager signs in to /console, takes, replies, closes; the bot is back. */
describe('manager console in chromium', () => {
  const suite = browserSuite({ ADMIN_TOKEN: 'console-secret' });

  const outbound = async (phone: string) => {
    const res = await suite.h.app.request(`/sandbox/api/chats/${phone}/messages`);
    return ((await res.json()).messages as Array<{ direction: string; message: any }>).filter((e) => e.direction === 'out').map((e) => e.message.text?.body ?? e.message.type);
  };

  it('sign in, take, reply, close — and the bot answers the shopper again', async () => {
    const shopper = '77090000001';
    await suite.h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textWebhook({ from: shopper, body: 'позовите менеджера', at: suite.h.clock.now() })) });
    await expect.poll(() => outbound(shopper)).toContain('Передаю разговор менеджеру — он скоро ответит здесь же.');

    const page = await suite.browser.newPage({ viewport: { width: 390, height: 780 } });
    await accounts.create(suite.h.services.database.db, { login: 'aigerim', name: 'Айгерим', password: MANAGER_PASSWORD }, suite.h.clock.now());
    await page.goto(`${suite.base}/console`);
    await page.getByLabel('Логин').fill('aigerim');
    await page.getByLabel('Пароль').fill('wrong password');
    await page.getByRole('button', { name: 'Войти' }).click();
    await expect.poll(() => page.locator('#loginError').textContent()).toBe('Неверный логин или пароль');
    await page.getByLabel('Пароль').fill(MANAGER_PASSWORD);
    await page.getByRole('button', { name: 'Войти' }).click();
    await expect.poll(() => page.locator('#who').textContent()).toBe('Айгерим');

    await page.locator('.item', { hasText: shopper }).click();
    await expect.poll(() => page.locator('#history').textContent()).toContain('позовите менеджера');
    await page.getByRole('button', { name: 'Взять' }).click();
    await page.getByLabel('Ответ покупателю').fill('Здравствуйте! Я Айгерим, помогу выбрать диван.');
    await page.getByRole('button', { name: 'Отправить' }).click();
    await expect.poll(() => outbound(shopper)).toContain('Здравствуйте! Я Айгерим, помогу выбрать диван.');

    // the shopper answers; the console shows it live (server-sent events)
    await suite.h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textWebhook({ from: shopper, body: 'Хочу серый, до 300 тысяч', at: suite.h.clock.now() })) });
    await expect.poll(() => page.locator('#history').textContent(), { timeout: 10_000 }).toContain('Хочу серый, до 300 тысяч');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/console.png' });

    await page.getByRole('button', { name: 'Завершить' }).click();
    await expect.poll(() => page.locator('#detail').textContent()).toBe('Запрос закрыт');

    const before = (await outbound(shopper)).length;
    await suite.h.app.request('/sandbox/api/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(textWebhook({ from: shopper, body: 'привет', at: suite.h.clock.now() })) });
    await expect.poll(async () => (await outbound(shopper)).slice(before)).toEqual([expect.stringMatching(/^Здравствуйте, Test Shopper!/)]);
  });
});
