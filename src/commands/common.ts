/**
 * What every command shares with the CLI that dispatches to it (src/cli.ts): the global arguments, the exit codes,
 * how a failure is printed. Here, below the CLI, so that no command imports src/cli.ts back.
 */

export interface GlobalArgs {
  /** Folder with clusters/ and facts/, relative to the project. */
  readonly config: string;
  /** Print only results, problems and errors: no progress, no summary lines. @default false */
  readonly quiet: boolean;
}

/** The exit codes of every command (docs/cli.md shows the same table). */
export const EXIT_CODES = { ok: 0, findings: 1, usage: 2 } as const;

/** Prints a failure the way users need it: config problems one per line, other errors by message. */
export function report(err: unknown): void {
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'ConfigError') console.error(`Config errors (nothing was written):\n${message}`);
  else if (name === 'RenderError') console.error(`Render error (nothing was written): ${message}`);
  else console.error(err instanceof Error && process.env.DEBUG ? err.stack : `Error: ${message}`);
}
