/** Runs (or, with `dryRun`, prints) a `bootstrap gitops` plan with the helm and kubectl found on PATH. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { GitopsError, type GitopsPlan, type GitopsStep, type Tool } from './plan.ts';

export interface RunOptions {
  /** Print the steps and run nothing. @default false */
  readonly dryRun?: boolean;
  /** Environment of the tools (PATH is searched in it). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where progress lines go. @default console.log */
  readonly log?: (line: string) => void;
}

/** The executable `tool` on `path` (a PATH value), or undefined. */
export function findOnPath(tool: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // Not here; try the next folder.
    }
  }
  return undefined;
}

const INSTALL: Record<Tool, string> = {
  helm: 'Helm 3.8 or later (https://helm.sh/docs/intro/install/)',
  kubectl: 'kubectl within one minor version of the cluster (https://kubernetes.io/docs/tasks/tools/)',
};

/** A command line as it can be pasted into a POSIX shell. */
function shellLine(tool: string, args: readonly string[]): string {
  return [tool, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function describe(step: GitopsStep): string {
  return `$ ${shellLine(step.tool, step.args)}${step.stdinFrom ? `  (stdin: ${step.stdinFrom})` : ''}`;
}

/** First non-empty line of a tool's error output, so a failure stays one line. */
function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '(no error output)';
}

/**
 * Runs the plan's steps in order, stopping at the first failure. Throws GitopsError (one line: the step, the tool's
 * first error line, a hint) when a tool is missing from PATH, exits non-zero, or its output fails the step's check.
 */
export function runPlan(plan: GitopsPlan, options: RunOptions = {}): void {
  const log = options.log ?? ((line: string) => console.log(line));
  if (plan.kind === 'explain') {
    for (const line of plan.lines) log(line);
    return;
  }
  const { steps } = plan;
  if (options.dryRun) {
    log(`Dry run: would run ${steps.length} steps, and runs nothing.`);
    steps.forEach((s, i) => log(`[${i + 1}/${steps.length}] ${s.title}\n  ${describe(s)}`));
    return;
  }
  const env = options.env ?? process.env;
  // Before anything runs: a missing tool must not leave a half-done bootstrap.
  const tools = new Map<Tool, string>();
  for (const tool of new Set(steps.map((s) => s.tool))) {
    const found = findOnPath(tool, env.PATH);
    if (!found) throw new GitopsError(`${tool} is not on PATH; install ${INSTALL[tool]} and run again`);
    tools.set(tool, found);
  }
  steps.forEach((step, i) => {
    const at = `step ${i + 1}/${steps.length} (${step.title})`;
    log(`[${i + 1}/${steps.length}] ${step.title}\n  ${describe(step)}`);
    const result = spawnSync(tools.get(step.tool)!, step.args, {
      env,
      input: step.stdin ?? '',
      // Output that is checked is captured; the rest (Helm's progress) goes to the user as it comes.
      stdio: ['pipe', step.check ? 'pipe' : 'inherit', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const hint = step.hint ? `; ${step.hint}` : '';
    if (result.error) throw new GitopsError(`${at}: ${step.tool} could not run: ${result.error.message}${hint}`);
    if (result.stderr) process.stderr.write(result.stderr);
    if (result.status !== 0) throw new GitopsError(`${at}: ${step.tool} exited ${result.status ?? result.signal}: ${firstLine(result.stderr ?? '')}${hint}`);
    const wrong = step.check?.(result.stdout ?? '');
    if (wrong) throw new GitopsError(`${at}: ${wrong}${hint}`);
  });
}
