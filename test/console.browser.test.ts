import { copyFileSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accounts } from '../src/console/manager-accounts.ts';
import { browserSuite, MANAGER_PASSWORD, signInToConsole } from './helpers/browser.ts';
import { backends } from './helpers/backends.ts';
import { startHarness, textWebhook } from './helpers/harness.ts';

/** In the sandbox a shopper asks for a manager; a manager signs in to /console, takes, replies, closes; the bot is back. */
describe('manager console in chromium', () => {
  const suite = browserSuite({ ADMIN_TOKEN: 'console-secret' });

  const outbound = async (phone: string) => {
    const res = await suite.h.app.request(`/sandbox/api/chats/${phone}/messages`);
    return ((await res.json()).messages as Array<{ direction: string; message: any }>)
      .filter((e) => e.direction === 'out')
      .map((e) => e.message.text?.body ?? e.message.type);
  };

  it('sign in, take, reply, close — and the bot answers the shopper again', async () => {
    const shopper = '77090000001';
    await suite.h.app.request('/sandbox/api/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(textWebhook({ from: shopper, body: 'позовите менеджера', at: suite.h.clock.now() })),
    });
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
    await suite.h.app.request('/sandbox/api/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(textWebhook({ from: shopper, body: 'Хочу серый, до 300 тысяч', at: suite.h.clock.now() })),
    });
    await expect.poll(() => page.locator('#history').textContent(), { timeout: 10_000 }).toContain('Хочу серый, до 300 тысяч');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/console.png' });

    await page.getByRole('button', { name: 'Завершить' }).click();
    await expect.poll(() => page.locator('#detail').textContent()).toBe('Запрос закрыт');
    // closed in the console, the shopper is told the bot is back
    await expect.poll(async () => (await outbound(shopper)).at(-1)).toBe('Менеджер завершил разговор. Я снова на связи — чем помочь?');

    const before = (await outbound(shopper)).length;
    await suite.h.app.request('/sandbox/api/webhook', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(textWebhook({ from: shopper, body: 'привет', at: suite.h.clock.now() })),
    });
    await expect.poll(async () => (await outbound(shopper)).slice(before)).toEqual([expect.stringMatching(/^Здравствуйте, Test Shopper!/)]);
  });

  it('a long chat: the page stays the window, the chat scrolls on its own and opens at the newest line, the reply box stays in view — at 1280 and at 390 px', async () => {
    const shopper = '77090000002';
    const post = (body: string) =>
      suite.h.app.request('/sandbox/api/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(textWebhook({ from: shopper, body, at: suite.h.clock.now() })),
      });
    await post('позовите менеджера');
    await expect.poll(() => outbound(shopper)).toContain('Передаю разговор менеджеру — он скоро ответит здесь же.');
    const admin = (path: string, body: unknown) =>
      suite.h.app.request(`/admin/api${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer console-secret', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const [esc] = (
      await (await suite.h.app.request('/admin/api/escalations?status=open', { headers: { authorization: 'Bearer console-secret' } })).json()
    ).escalations.filter((e: { shopperKey: string }) => e.shopperKey === shopper);
    expect((await admin(`/escalations/${esc.id}/take`, { manager: 'console:aigerim' })).status).toBe(200);
    for (let i = 1; i <= 20; i++) {
      await post(`Вопрос номер ${i}: а есть такой же, но побольше и другого цвета?`);
      expect((await admin(`/escalations/${esc.id}/reply`, { text: `Ответ номер ${i}: да, есть в сером и бежевом, могу прислать фото.` })).status).toBe(200);
      await expect.poll(() => outbound(shopper)).toContain(`Ответ номер ${i}: да, есть в сером и бежевом, могу прислать фото.`);
    }

    const page = await suite.browser.newPage({ viewport: { width: 1280, height: 720 }, timezoneId: 'America/New_York' });
    await signInToConsole(suite, page, 'dana', 'Дана');
    await page.locator('.item', { hasText: shopper }).click();
    await expect.poll(() => page.locator('#history').textContent()).toContain('Вопрос номер 20');
    const layout = () =>
      page.evaluate(() => {
        const h = document.getElementById('history')!;
        const input = document.querySelector('#detail .actions input')!.getBoundingClientRect();
        const header = document.querySelector('header')!;
        const right = (sel: string) => document.querySelector(sel)!.getBoundingClientRect().right;
        return {
          pageScrolls: document.scrollingElement!.scrollHeight > window.innerHeight || document.scrollingElement!.scrollWidth > window.innerWidth,
          chatScrolls: h.scrollHeight > h.clientHeight,
          atNewest: h.scrollTop + h.clientHeight >= h.scrollHeight - 2,
          replyInView: input.top >= 0 && input.bottom <= window.innerHeight,
          headerFits: header.scrollWidth <= window.innerWidth && right('#logout') <= window.innerWidth && right('nav a') <= window.innerWidth,
        };
      });
    const whole = { pageScrolls: false, chatScrolls: true, atNewest: true, replyInView: true, headerFits: true };
    await expect.poll(layout).toEqual(whole);
    const shot = async (name: string) => {
      mkdirSync('test/screenshots', { recursive: true });
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: `test-artifacts/${name}` });
      copyFileSync(`test-artifacts/${name}`, `test/screenshots/${name}`);
    };
    await shot('console-chat-1280.png');

    // a phone: the header wraps rather than pushing «Аналитика» and «Выйти» off the screen
    await page.setViewportSize({ width: 390, height: 780 });
    await expect.poll(layout).toEqual(whole);
    await shot('console-chat-390.png');

    // times are the store's (Asia/Almaty), not the computer's (New York here)
    // (the page's own `when`, a top-level const of its script, read by name)
    const times = {
      page: await page.evaluate<string>("when('2026-12-05T20:30:00Z')"),
      store: await page.evaluate<string>(
        "new Date('2026-12-05T20:30:00Z').toLocaleString('ru', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Asia/Almaty' })",
      ),
      here: await page.evaluate<string>("new Date('2026-12-05T20:30:00Z').toLocaleString('ru', { dateStyle: 'short', timeStyle: 'short' })"),
    };
    expect(times.page).toBe(times.store);
    expect(times.page).not.toBe(times.here);
  });

  it('the console speaks the store’s default language unless the profile names another', async () => {
    const en = await startHarness({ backend: backends()[0]!, env: { DEFAULT_LANGUAGE: 'en' }, demo: true });
    try {
      const html = await (await en.app.request('/console')).text();
      expect(html).toContain('<html lang="en">');
      expect(html).not.toMatch(/Войти|Выйти/);
    } finally {
      await en.close();
    }
  });
});
