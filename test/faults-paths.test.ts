/**
 * Issue #20, the fault battery's remaining path cases: `export` of a missing study folder names it
 * and creates nothing; a new output folder on a read-only disk is reported as EROFS (not ENOENT);
 * an output folder under /proc is refused at once (Node's recursive mkdir spins there at 100 % CPU
 * and ignores SIGTERM); `k8s --claim ''` is refused like `--image ''`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilterstudyError } from '../src/errors.ts';
import { ensureDir } from '../src/io/dirs.ts';
import { tempDir } from './helpers.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
// The timeout only ends a process that spins (the old /proc behaviour) so that the test fails instead of hanging.
const cli = (args: string[], cwd = tempDir()) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 600_000 });

describe('paths the battery tried', () => {
  it('export of a missing study folder: E_INPUT naming it, and the folder is not created', () => {
    const cwd = tempDir();
    const r = cli(['export', 'out/typo'], cwd);
    expect(r.stderr).toMatch(/\[E_INPUT\] the study folder out\/typo does not exist/);
    expect(r.status).toBe(2);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });

  it('an output folder under /proc: E_IO naming the folder, at once (no spin)', () => {
    const r = cli(['run', '--out', '/proc/x', '-s', '1', '-e', '1', '--no-aggregate', '--json']);
    expect(r.error).toBeUndefined(); // not killed by the timeout
    expect(r.stderr).toMatch(/\[E_IO\] could not create the folder \/proc\/x\/quick: no such file or folder \(ENOENT\)/);
    expect(r.status).toBe(2);
    const e = (() => {
      try {
        ensureDir('/proc/x/y/z');
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(FilterstudyError);
    expect((e as FilterstudyError).code).toBe('E_IO');
  });

  it('a new nested folder on a read-only disk (tmpfs, root): EROFS, not ENOENT', (ctx) => {
    const dir = tempDir('filterstudy-ro-');
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,ro', 'tmpfs', dir], { encoding: 'utf8' });
    if (m.status !== 0) return ctx.skip();
    try {
      expect(() => ensureDir(join(dir, 'new', 'deeper'))).toThrow(/read-only file system \(EROFS\)/);
      const study = tempDir();
      mkdirSync(join(study, 'seeds'));
      const r = cli(['export', study, '--out', join(dir, 'new', 'deeper')]);
      expect(r.stderr).toMatch(/\[E_IO\] could not create the folder .*read-only file system \(EROFS\)/);
      expect(r.status).toBe(2);
    } finally {
      spawnSync('umount', [dir]);
    }
  });

  it('k8s --claim \'\' is refused like --image \'\'', () => {
    for (const [flag, args] of [['--claim', ['--image', 'img', '--claim', '']], ['--image', ['--image', ' ', '--claim', 'pvc']]] as const) {
      const r = cli(['k8s', '--shards', '2', ...args]);
      expect(r.stderr).toContain(`[E_CONFIG] ${flag} is empty`);
      expect(r.status).toBe(2);
    }
  });
});
