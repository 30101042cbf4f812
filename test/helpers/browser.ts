import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { accounts } from '../../src/console/manager-accounts.ts';
import { afterAll, beforeAll } from 'vitest';
import { backends } from './backends.ts';
import { startHarness, type Harness } from './harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling out of this closed network.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSuite {
  h: Harness;
  browser: Browser;
  /** http://127.0.0.1:<port> of the service. */
  base: string;
}

/**
 * The whole service (embedded default, workers running) on a real port, and Debian's chromium
 * driven by playwright-core, for a describe block. Fields are set before its tests run.
 */
export function browserSuite(env: Record<string, string>, demo: boolean | string = true): BrowserSuite {
  const suite = {} as BrowserSuite;
  let server: ServerType | undefined;
  beforeAll(async () => {
    suite.h = await startHarness({ backend: backends()[0]!, env: { BOT: 'assistant', ...env }, demo });
    suite.h.services.inbox.pump.start();
    suite.h.services.sender.pump.start();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: suite.h.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        suite.base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    suite.browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await suite.browser?.close();
    server?.close();
    await suite.h?.close();
  });
  return suite;
}

export const MANAGER_PASSWORD = 'a manager password';

/** A console account made as `vitrina managers add` makes it, then signed in on /console. */
export async function signInToConsole(suite: BrowserSuite, page: Page, login = 'aigerim', name = 'Айгерим'): Promise<void> {
  await accounts.create(suite.h.services.database.db, { login, name, password: MANAGER_PASSWORD }, suite.h.clock.now());
  await page.goto(`${suite.base}/console`);
  await page.getByLabel('Логин').fill(login);
  await page.getByLabel('Пароль').fill(MANAGER_PASSWORD);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.locator('#who', { hasText: name }).waitFor();
}
