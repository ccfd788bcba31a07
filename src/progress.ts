/**
 * Progress for slow steps, on stderr and only when stderr is a terminal (and `--quiet` is off): a pipe, a CI log or
 * a test sees nothing extra, and stdout stays the command's result. One status line, rewritten in place, with the
 * seconds elapsed; `done()` clears it.
 */
export interface Progress {
  /** Shows `text` as the current step. */
  step(text: string): void;
  /** Clears the status line (call before printing results). */
  done(): void;
}

export interface ProgressOptions {
  readonly quiet?: boolean;
  /** @default process.stderr */
  readonly stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
}

const SILENT: Progress = { step: () => {}, done: () => {} };

/** A progress line for `command`; silent unless the stream is a TTY and not quiet. */
export function progress(command: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet || !stream.isTTY) return SILENT;
  const start = performance.now();
  let text = '';
  const draw = () => stream.write(`\r\x1b[K${command}: ${text} (${Math.round((performance.now() - start) / 1000)} s)`);
  // The timer keeps the seconds moving while the event loop is free; unref'd, it never keeps the process alive.
  const timer = setInterval(draw, 1000);
  timer.unref();
  return {
    step(next) {
      text = next;
      draw();
    },
    done() {
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}
