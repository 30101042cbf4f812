import { checkLogin, MIN_PASSWORD } from '../../console/manager-accounts.ts';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../config.ts';
import { UsageError, type Command } from '../command.ts';
import { answer, type Operations, withOperations } from '../operations.ts';

/** The first line of stdin (a password piped in), or null when stdin is a terminal. */
async function stdinLine(): Promise<string | null> {
  if (process.stdin.isTTY) return null;
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? '';
}

/** A manager's password: piped in (--password-stdin), or made up here and printed once. */
async function newPassword(fromStdin: boolean): Promise<{ password: string; made: boolean }> {
  if (!fromStdin) return { password: randomBytes(12).toString('base64url'), made: true };
  const line = await stdinLine();
  if (line === null) throw new UsageError('--password-stdin: pipe the password in (echo … | vitrina …)');
  if (line.length < MIN_PASSWORD) throw new UsageError(`a password has at least ${MIN_PASSWORD} characters`);
  return { password: line, made: false };
}

/** A console-account operation; a line that writes says where it wrote. */
const managerCommand = (call: (ops: Operations) => Promise<string>, opts: { writes: boolean } = { writes: true }) =>
  withOperations(loadConfig(), async ({ ops, where }) => {
    const line = await call(ops);
    console.log(opts.writes ? `${line} (${where('in')})` : line);
    return 0;
  });

const toggleManager = (login: string, disabled: boolean) =>
  managerCommand(async (ops) => {
    const account = ops.managers[':login'];
    await answer(await (disabled ? account.disable : account.enable).$post({ param: { login } }));
    return `${login} ${disabled ? 'disabled' : 'enabled'}`;
  });

/** Console accounts. */
export const managersCommands: Record<string, Command> = {
  'managers add': {
    usage: 'managers add LOGIN --name NAME [--phone PHONE] [--password-stdin]',
    summary:
      'create a console account (a manager signs in to /console with it); the password is piped in or made up and printed once. --phone ties it to that MANAGER_PHONES number, so WhatsApp and console work count as one person',
    positionals: 1,
    options: { name: { type: 'string' }, phone: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async run({ positionals: [login], values }) {
      if (checkLogin(login!)) throw new UsageError(checkLogin(login!)!);
      if (typeof values.name !== 'string' || !values.name.trim()) throw new UsageError('--name is the name colleagues know the manager by');
      if (values.phone !== undefined && !/^\+?\d{6,15}$/.test(String(values.phone))) throw new UsageError('--phone is an international number, digits only');
      const { password, made } = await newPassword(values['password-stdin'] === true);
      const m = { login: login!, name: values.name.trim(), phone: typeof values.phone === 'string' ? values.phone : null, password };
      return managerCommand(async (ops) => {
        await answer(await ops.managers.$post({ json: m }));
        return `created ${login}${made ? `; password: ${password} (shown once)` : ''}`;
      });
    },
  },
  'managers passwd': {
    usage: 'managers passwd LOGIN [--password-stdin]',
    summary: "set a manager's password (piped in, or made up and printed once); their open sessions end",
    positionals: 1,
    options: { 'password-stdin': { type: 'boolean' } },
    async run({ positionals: [login], values }) {
      const { password, made } = await newPassword(values['password-stdin'] === true);
      return managerCommand(async (ops) => {
        await answer(await ops.managers[':login'].password.$post({ param: { login: login! }, json: { password } }));
        return `password set for ${login}${made ? `: ${password} (shown once)` : ''}`;
      });
    },
  },
  'managers disable': {
    usage: 'managers disable LOGIN',
    summary: 'stop an account signing in; its sessions end at once (enable it again with managers enable)',
    positionals: 1,
    run: ({ positionals: [login] }) => toggleManager(login!, true),
  },
  'managers enable': {
    usage: 'managers enable LOGIN',
    summary: 'let a disabled account sign in again',
    positionals: 1,
    run: ({ positionals: [login] }) => toggleManager(login!, false),
  },
  'managers list': {
    usage: 'managers list',
    summary: 'the console accounts: login, name, phone, and whether disabled',
    positionals: 0,
    run: () =>
      managerCommand(
        async (ops) =>
          (await answer(await ops.managers.$get())).managers
            .map((m) => `${m.login.padEnd(20)} ${m.name}${m.phone ? ` +${m.phone}` : ''}${m.disabled ? ' (disabled)' : ''}`)
            .join('\n') || 'no accounts yet: vitrina managers add LOGIN --name NAME',
        { writes: false },
      ),
  },
};
