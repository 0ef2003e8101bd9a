/** `--name value` from the command line, else `dflt`. */
export function argOf(name: string, dflt: string, argv: string[] = process.argv): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
}

/** True when the bare flag `--name` is given. */
export const flag = (name: string, argv: string[] = process.argv): boolean => argv.includes(`--${name}`);
