/**
 * `npm start` (dist/start.mjs) run as a user would, in a temporary folder: a second start
 * beside a running one, a start where a crash left a stack file, a start on a taken PORT, a
 * stack whose DynamoDB Local dies under it, and `--help`.
 * Every start uses PORT=0 unless the test is about the port, so tests never collide.
 */
import {
  type ChildProcessWithoutNullStreams,
  execFileSync,
  spawn,
  spawnSync,
} from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A JVM start plus provisioning; 30 s is the budget for the whole stack. */
const startBudgetMs = 30_000;

/**
 * The caller's AWS settings and stack file must not leak into the children; the SDK's Node
 * version warning would be the only other thing on stderr.
 */
const childEnvironment = (port: string): NodeJS.ProcessEnv => {
  const environment: NodeJS.ProcessEnv = { ...process.env, PORT: port };
  for (const name of Object.keys(environment)) {
    if (name.startsWith('AWS_') || name === 'WEBHOOKS_STACK_FILE') delete environment[name];
  }
  environment.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return environment;
};

interface Start {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function npmStart(cwd: string, port = '0', args: readonly string[] = []): Start {
  const child = spawn(process.execPath, [join(root, 'dist/start.mjs'), ...args], {
    cwd,
    env: childEnvironment(port),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves on the `ready in` line; rejects, with what it printed, if it exits first. */
function untilReady(start: Start): Promise<void> {
  return new Promise((resolve, reject) => {
    start.child.stdout.on('data', () => {
      if (/^ready in /m.test(start.stdout())) resolve();
    });
    start.exited.then((code) =>
      reject(new Error(`npm start exited ${code} before ready:\n${start.stderr()}`)),
    );
  });
}

/** `webhooks <args>` from the bundled bin, in `cwd`. */
const webhooks = (cwd: string, args: readonly string[]) => {
  const result = spawnSync(process.execPath, [join(root, 'dist/webhooks.mjs'), ...args], {
    cwd,
    env: childEnvironment('0'),
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

/** The pid of a process that has already exited, as a crashed `npm start` leaves behind. */
const exitedPid = () => spawnSync(process.execPath, ['-e', '']).pid;

const stackFileOf = (folder: string) => join(folder, '.local', 'stack.json');

/** The pid of the DynamoDB Local JVM listening on the endpoint's port, from `ps`. */
const dynamoDbServerOn = (endpoint: string) => {
  const port = new URL(endpoint).port;
  const line = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .find((entry) => entry.includes('DynamoDBLocal.jar') && entry.includes(`-port ${port} `));
  return line === undefined ? undefined : Number(line.trim().split(/\s+/)[0]);
};

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs', 'start', 'webhooks'], { cwd: root });
}, startBudgetMs);

describe('npm start twice in one folder', { timeout: startBudgetMs }, () => {
  let folder: string;
  let first: Start;
  const stalePid = exitedPid();

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'local-start-twice-'));
    await mkdir(join(folder, '.local'));
    await mkdir(join(folder, 'functions', 'nested'), { recursive: true });
    await writeFile(
      stackFileOf(folder),
      JSON.stringify({ pid: stalePid, startedAt: '2026-01-02T03:04:05.000Z' }),
    );
    first = npmStart(folder);
    await untilReady(first);
  }, startBudgetMs);

  afterAll(async () => {
    if (first?.child.exitCode === null) first.child.kill('SIGKILL');
    await rm(folder, { recursive: true, force: true });
  });

  it('replaces the stack file a crashed start left, saying so', () => {
    expect(first.stdout()).toContain(
      `replacing the stale stack file ${join('.local', 'stack.json')}: pid ${stalePid}, started 2026-01-02T03:04:05.000Z is no longer running (it may have crashed)\n`,
    );
  });

  it("records its pid, its start time and the gateway's webhook URL in stack.json", async () => {
    const recorded = JSON.parse(await readFile(stackFileOf(folder), 'utf8'));
    const gateway = /gateway +(http:\/\/127\.0\.0\.1:\d+\/v1\/webhooks\/\{providerId\})$/m.exec(
      first.stdout(),
    )?.[1];
    expect(recorded).toMatchObject({
      pid: first.child.pid,
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      webhookUrlTemplate: gateway,
    });
    expect(gateway).not.toContain(':3000/');
  });

  it('refuses a second start with exit code 2 before starting anything, naming the running one', async () => {
    const before = await readFile(stackFileOf(folder), 'utf8');
    const { pid, startedAt, webhookUrlTemplate } = JSON.parse(before);
    const second = npmStart(folder);
    expect(await second.exited).toBe(2);
    expect(second.stderr()).toBe(
      `a local stack is already running from this folder: pid ${pid}, started ${startedAt}, gateway ${webhookUrlTemplate}; stop it (Ctrl-C in its terminal, or kill ${pid}) or use it\n`,
    );
    expect(second.stdout()).toBe('');
    expect(await readFile(stackFileOf(folder), 'utf8')).toBe(before);
  });

  it('stays usable: --local from a subfolder finds it, and send posts to its recorded gateway', async () => {
    const nested = join(folder, 'functions', 'nested');
    const secretFile = join(folder, 'gh.secret');
    const payloadFile = join(folder, 'push.json');
    await writeFile(secretFile, 'gh-secret');
    await writeFile(payloadFile, '{"ref":"refs/heads/main","commits":[]}');
    const added = webhooks(nested, [
      'providers',
      'add',
      'gh',
      '--scheme',
      'github',
      '--secret-file',
      secretFile,
      '--local',
    ]);
    expect(added).toMatchObject({ code: 0 });
    // No --url: the gateway listens on the port PORT=0 gave it, which only the stack file knows.
    const sent = webhooks(nested, ['send', 'gh', '--payload-file', payloadFile, '--local']);
    expect(sent.stderr).toBe('');
    expect(sent).toMatchObject({ code: 0, stdout: expect.stringMatching(/^accepted/) });
  });

  it('stops on SIGTERM with exit code 0 and removes its stack file', async () => {
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    await expect(stat(stackFileOf(folder))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('npm start on a taken PORT', { timeout: startBudgetMs }, () => {
  let folder: string;
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'local-start-port-'));
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    await rm(folder, { recursive: true, force: true });
  });

  it('exits 2 naming the port and what to do, and leaves no stack file behind', async () => {
    const start = npmStart(folder, String(port));
    expect(await start.exited).toBe(2);
    // Its last line: the stand-ins' start may have logged a slow readiness probe before it.
    expect(start.stderr().trimEnd().split('\n').at(-1)).toBe(
      `port ${port} is already in use, so the gateway cannot listen on it (another \`npm start\`, from another folder?): stop what holds it, or start on another port: PORT=<port> npm start, or PORT=0 npm start for any free one`,
    );
    await expect(stat(stackFileOf(folder))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('npm start when DynamoDB Local dies under it', { timeout: startBudgetMs }, () => {
  let folder: string;
  let start: Start;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'local-start-crash-'));
    start = npmStart(folder);
    await untilReady(start);
  }, startBudgetMs);

  afterAll(async () => {
    if (start?.child.exitCode === null) start.child.kill('SIGKILL');
    await rm(folder, { recursive: true, force: true });
  });

  it('names it and how it ended on stderr, removes its stack file and exits 1', async () => {
    const { endpoints } = JSON.parse(await readFile(stackFileOf(folder), 'utf8'));
    const jvm = dynamoDbServerOn(endpoints.dynamodb);
    expect(jvm).toBeGreaterThan(0);
    process.kill(jvm as number, 'SIGKILL');

    expect(await start.exited).toBe(1);
    expect(start.stderr()).toContain(
      `npm start: DynamoDB Local (pid ${jvm}) was killed by SIGKILL; stopping the gateway and the local stack\n`,
    );
    await expect(stat(stackFileOf(folder))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('npm start -- --help', () => {
  it('says what --persist keeps and what it cannot, in one line, and starts nothing', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'local-start-help-'));
    try {
      const start = npmStart(folder, '0', ['--help']);
      expect(await start.exited).toBe(0);
      expect(start.stdout()).toMatch(
        /^ +tables, items, keys and aliases persist in \.local\/, queues and the payload bucket never; a write DynamoDB Local had not answered when it died may be lost$/m,
      );
      await expect(stat(join(folder, '.local'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
