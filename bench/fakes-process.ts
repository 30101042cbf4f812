/**
 * The fake Graph API and fake model in a process of their own, for benchmarks that measure the
 * service and not what stands in for Meta and OpenAI (in production neither shares the
 * service's CPU). Started by `startFakes` with IPC; the parent asks over IPC for what was sent
 * and for the CPU the fakes spent.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeGraphApi } from '../test/fakes/graph-api.ts';
import { FakeOpenAI, type Scripted } from '../test/fakes/openai.ts';

type Ask = { ask: 'script'; answers: Scripted[]; times: number } | { ask: 'report' } | { ask: 'stop' };
export interface FakesReport {
  /** The `to` of every message the fake Graph accepted, in order. */
  sentTo: string[];
  /** User + system CPU of the fakes' process since it started, in ms. */
  cpuMs: number;
}

export interface Fakes {
  graphUrl: string;
  modelUrl: string;
  /** Queues `answers` on the fake model, `times` times over. */
  script(answers: Scripted[], times: number): Promise<void>;
  report(): Promise<FakesReport>;
  stop(): Promise<void>;
}

/** Starts the fakes in a child process (`inProcess` keeps them in this one, as tests do). */
export async function startFakes(opts: { inProcess?: boolean } = {}): Promise<Fakes> {
  if (opts.inProcess) {
    const graph = await new FakeGraphApi().start();
    const model = await new FakeOpenAI().start();
    return {
      graphUrl: graph.url,
      modelUrl: model.url,
      script: async (answers, times) => {
        for (let i = 0; i < times; i++) model.push(...answers);
      },
      // in one process the fakes' CPU is the process's: counted with the service
      report: async () => ({ sentTo: graph.sends.map((s) => String(s.body.to)), cpuMs: 0 }),
      stop: async () => {
        await graph.stop();
        await model.stop();
      },
    };
  }
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const urls = await answer<{ graphUrl: string; modelUrl: string }>(child);
  return {
    ...urls,
    script: async (answers, times) => {
      child.send({ ask: 'script', answers, times } satisfies Ask);
      await answer(child);
    },
    report: async () => {
      child.send({ ask: 'report' } satisfies Ask);
      return answer<FakesReport>(child);
    },
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ ask: 'stop' } satisfies Ask);
      await exited;
    },
  };
}

function answer<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the fakes' process exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
  });
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  const graph = await new FakeGraphApi().start();
  const model = await new FakeOpenAI().start();
  const reply = (m: unknown) => process.send!(m);
  // a benchmark that dies leaves no fakes behind
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m: Ask) => {
    if (m.ask === 'script') {
      for (let i = 0; i < m.times; i++) model.push(...m.answers);
      reply({});
    } else if (m.ask === 'report') {
      const cpu = process.cpuUsage();
      reply({ sentTo: graph.sends.map((s) => String(s.body.to)), cpuMs: (cpu.user + cpu.system) / 1000 } satisfies FakesReport);
    } else {
      await graph.stop();
      await model.stop();
      process.exit(0);
    }
  });
  reply({ graphUrl: graph.url, modelUrl: model.url });
}
