/** Folders made as the OS allows, with its real reason when it refuses. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ioError } from '../errors.ts';

/**
 * mkdir -p with the real reason, one level at a time from the deepest folder that exists: Node's
 * recursive mkdir reports ENOENT when a missing parent cannot be created (read-only disk, no
 * permission) and spins forever at 100 % CPU under /proc (where mkdir fails with ENOENT though
 * the parent exists). The first folder that cannot be made says why. Throws E_IO naming `dir`.
 */
export function ensureDir(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue; // made by another process meanwhile
      throw ioError(e, 'create the folder', dir);
    }
  }
}
