/**
 * One error type for everything the user can get wrong or the machine can refuse.
 * Like unjs/citty: a stable `code` for scripts, a `hint` that says how to fix it, and the
 * original `cause`. Library code only throws; the CLI entry is the one place that prints and exits.
 */
export type ErrorCode =
  | 'E_CONFIG' // a config key or CLI option is unknown or ill-typed
  | 'E_DATA' // an input data file is missing, malformed or fails its checksum
  | 'E_BACKEND' // no tfjs backend could be loaded
  | 'E_TRAIN' // training diverged (NaN loss) or a kernel failed
  | 'E_OUTPUT' // an output folder is unusable (other config, unreadable Arrow file)
  | 'E_MODEL' // an ONNX file is not one of ours or does not load
  | 'E_INPUT' // a user-supplied input (image, path) is wrong
  | 'E_STATS' // too little data for a statistic
  | 'E_SCHEDULER' // a scheduler command (sbatch) is missing or refused a job
  | 'E_INTERRUPTED' // a signal (Ctrl-C, SIGTERM) or a lost seed lease stopped the work before it finished
  | 'E_IO' // the OS refused a file operation: disk full, read-only, permissions (names the path and the reason)
  | 'E_INTERNAL'; // a bug: an error that is not one of the above (exit code 3)

export class FilterstudyError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FilterstudyError';
    this.code = code;
    this.hint = opts.hint;
  }
  /** Plain data, so the error survives structured cloning out of a worker thread. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; cause?: string } {
    const cause = this.cause instanceof Error ? this.cause.message : this.cause === undefined ? undefined : String(this.cause);
    return { code: this.code, message: this.message, hint: this.hint, cause };
  }
}

export function isFilterstudyError(e: unknown): e is FilterstudyError {
  return e instanceof FilterstudyError;
}

/** OS error codes that say the machine refused, not that the program is wrong. */
const OS_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ENAMETOOLONG: 'file name too long',
  EBUSY: 'resource busy',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
};

/** Codes after which nothing more can be written to that disk or folder: a sweep stops on them. */
export const DISK_REFUSALS: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM']);

/** The errno code of a Node system error (ENOSPC, EROFS, …), or undefined. */
export function errnoCode(e: unknown): string | undefined {
  const c = (e as NodeJS.ErrnoException | null)?.code;
  return typeof c === 'string' && /^E[A-Z]+$/.test(c) ? c : undefined;
}

/**
 * A Node fs error → E_IO naming what was being done, the path, and the OS reason in words, e.g.
 * "could not write out/q/seeds/seed-0003: no space left on device (ENOSPC)". A FilterstudyError
 * passes through; anything without an errno code is not an OS refusal and is rethrown as is.
 */
export function ioError(e: unknown, action: string, path: string): FilterstudyError {
  if (e instanceof FilterstudyError) return e;
  const code = errnoCode(e);
  if (code === undefined) throw e;
  const reason = OS_REASONS[code] ?? (e as Error).message;
  const hints: Record<string, string> = {
    ENOSPC: 'free some space (or use --out on another disk) and rerun the same command: finished seeds are kept',
    EDQUOT: 'free some space (or use --out on another disk) and rerun the same command: finished seeds are kept',
    EROFS: 'choose a writable output folder with --out, or remount it read-write',
    EACCES: 'choose a folder you may write to (--out), or fix its permissions',
    EPERM: 'choose a folder you may write to (--out), or fix its permissions',
  };
  return new FilterstudyError('E_IO', `could not ${action} ${path}: ${reason} (${code})`, { cause: e, hint: hints[code] });
}

/** True for errors that are Node system errors (errno code and syscall): the machine said no. */
export function isOsError(e: unknown): e is NodeJS.ErrnoException {
  return errnoCode(e) !== undefined && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}
