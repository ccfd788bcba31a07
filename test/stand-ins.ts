/**
 * Stand-ins for `helm` and `kubectl`, shared by the tests of `bootstrap gitops` (test/gitops-command.test.ts) and
 * the day-0 end-to-end test (test/day0-e2e.test.ts): they record what the command hands the real tools.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.ts';

/** One call of a stand-in: the tool, its arguments, its standard input, and each `-f FILE` it was given, as read then. */
export interface Call {
  readonly tool: string;
  readonly argv: string[];
  readonly stdin: string;
  /** Text of every file named after a `-f` argument (path as given → content at call time). */
  readonly files: Record<string, string>;
}

/**
 * Stand-ins for helm and kubectl: node scripts that append their argv, stdin and `-f` files to $STANDIN_LOG,
 * answer `kubectl config view` with $STANDIN_SERVER, and fail like an unreachable cluster when their argv contains
 * $STANDIN_FAIL. Returns the folder to use as the whole PATH (the scripts need no node on PATH).
 */
export function standIns(tools: readonly string[] = ['helm', 'kubectl']): string {
  const dir = tempDir('gitops-bin-');
  for (const tool of tools) {
    const file = join(dir, tool);
    writeFileSync(file, `#!${process.execPath}
const fs = require('node:fs');
const argv = process.argv.slice(2);
const stdin = fs.readFileSync(0, 'utf8');
const files = {};
argv.forEach((a, i) => { if (argv[i - 1] === '-f') files[a] = fs.readFileSync(a, 'utf8'); });
fs.appendFileSync(process.env.STANDIN_LOG, JSON.stringify({ tool: ${JSON.stringify(tool)}, argv, stdin, files }) + '\\n');
if (process.env.STANDIN_FAIL && argv.join(' ').includes(process.env.STANDIN_FAIL)) {
  process.stderr.write('Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout\\nsecond line\\n');
  process.exit(1);
}
if (argv[0] === 'config') process.stdout.write(process.env.STANDIN_SERVER ?? '');
`);
    chmodSync(file, 0o755);
  }
  return dir;
}

/** The calls recorded in `log` ($STANDIN_LOG), in order; none when the file does not exist. */
export function calls(log: string): Call[] {
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call) : [];
}
