/** Issue #10, exit codes: usage errors 2, coded errors 2, internal errors 3 (stack only with --debug), Ctrl-C 130 with how to resume. */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
const TINY = ['--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200', '-e', '1', '--no-aggregate', '--json'];
const cli = (args: string[], cwd = tempDir(), env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } });

describe('usage errors inside a command exit 2 (1 is for failed seeds)', () => {
  const cases: [string, string[], RegExp][] = [
    ['bad --preset', ['run', '--preset', 'bogus'], /argument 'bogus' is invalid/],
    ['unknown flag', ['run', '--bogus'], /unknown option '--bogus'/],
    ['bad --backend', ['run', '--backend', 'gpu'], /argument 'gpu' is invalid/],
    ['missing --model', ['predict', 'a.png', 'b.png'], /required option '-m, --model/],
    ['aggregate without a folder', ['aggregate'], /missing required argument/],
  ];
  for (const [what, args, msg] of cases) {
    it(what, () => {
      const r = cli(args);
      expect(r.stderr).toMatch(msg);
      expect(r.status).toBe(2);
    });
  }
});

describe('internal errors', () => {
  it('exit 3 with a short "this is a bug" line; the stack only with --debug', () => {
    const cwd = tempDir();
    // A getter that throws a TypeError while the config is validated stands in for a bug: an
    // error that is not a FilterstudyError reaching the CLI entry.
    writeFileSync(join(cwd, 'bug.config.ts'), 'export default { get seeds() { throw new TypeError("boom in getter"); } };\n');
    const r = cli(['run', '--config', 'bug.config.ts'], cwd);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/internal error \(this is a bug\): boom in getter/);
    expect(r.stderr).toMatch(/--debug/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack frames
    const d = cli(['run', '--config', 'bug.config.ts', '--debug'], cwd);
    expect(d.status).toBe(3);
    expect(d.stderr).toMatch(/\n\s+at /);
  });
});

describe('a bug inside a seed', () => {
  it('is recorded as E_INTERNAL and the run exits 3, not 1', () => {
    const r = cli(['run', '--name', 'bug', '-s', '1', ...TINY], tempDir(), { FILTERSTUDY_FAULTS: 'bug@1' });
    expect(r.stderr).toMatch(/1 \[E_INTERNAL\]/);
    expect(r.stderr).toMatch(/internal error \(this is a bug\) in seed\(s\) 1/);
    expect(r.status).toBe(3);
  });
});

describe('Ctrl-C', () => {
  it('SIGINT mid-sweep exits 130 and prints how to resume', async () => {
    const cwd = tempDir();
    const args = ['run', '--name', 'int', '-s', '2', '-w', '1', ...TINY];
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Interrupt once the sweep has started (event, not a timer: independent of machine speed).
    child.stdout.on('data', (d) => {
      stdout += d;
      if (/"type":"start"/.test(stdout) && child.exitCode === null && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    expect(stderr).toMatch(/to resume, rerun: filterstudy run --name int -s 2/);
  });
});
