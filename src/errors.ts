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
  | 'E_SCHEDULER'; // a scheduler command (sbatch) is missing or refused a job

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
