/**
 * Renders a git revision with that revision's own code, without touching the repository: the commit's tracked
 * files are extracted with `git archive` into a temporary folder (a read-only, throwaway worktree: no
 * .git/worktrees entry, nothing left behind if the process dies), the project's node_modules is linked in, and the
 * revision's own `src/cli.ts synth` renders into a temporary output folder.
 *
 * Least trust: both renders (the base revision's code and the working tree's) run in a child process whose
 * environment holds PATH, HOME and PLATFORM_UPSTREAM only (see childEnv), so code from a pull request or an old
 * revision never sees the caller's AWS, GitHub or other credentials.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class DiffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiffError';
  }
}

function git(repo: string, args: readonly string[], input?: Buffer): { ok: boolean; stdout: Buffer; stderr: string } {
  const r = spawnSync('git', ['-C', repo, ...args], { input, maxBuffer: 1024 * 1024 * 1024 });
  return { ok: r.status === 0, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString() ?? String(r.error ?? '') };
}

function gitText(repo: string, args: readonly string[]): string | undefined {
  const r = git(repo, args);
  return r.ok ? r.stdout.toString().trim() : undefined;
}

export interface ResolvedBase {
  readonly sha: string;
  /** For messages: `HEAD (1a2b3c4)` or `merge base of HEAD and origin/main (1a2b3c4)`. */
  readonly label: string;
}

/** Branches tried, in order, for the default base: the PR's target branch in GitHub Actions, then main/master. */
export function mainBranchCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const pr = env.GITHUB_BASE_REF ? [`origin/${env.GITHUB_BASE_REF}`, env.GITHUB_BASE_REF] : [];
  return [...pr, 'main', 'origin/main', 'master', 'origin/master'];
}

/** Resolves `--base` (default: the merge base of HEAD with the main branch) to a commit. */
export function resolveBase(repo: string, ref?: string, env: NodeJS.ProcessEnv = process.env): ResolvedBase {
  if (gitText(repo, ['rev-parse', '--is-inside-work-tree']) !== 'true') throw new DiffError(`${repo} is not a git working tree; the diff compares against a git revision`);
  if (ref) {
    const sha = gitText(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (!sha) throw new DiffError(`--base ${ref}: no such commit in ${repo}; allowed: a branch, tag or commit (e.g. main, HEAD~1, origin/main)`);
    return { sha, label: `${ref} (${sha.slice(0, 7)})` };
  }
  const tried = mainBranchCandidates(env);
  for (const branch of tried) {
    if (!gitText(repo, ['rev-parse', '--verify', '--quiet', `${branch}^{commit}`])) continue;
    const sha = gitText(repo, ['merge-base', 'HEAD', branch]);
    if (sha) return { sha, label: `merge base of HEAD and ${branch} (${sha.slice(0, 7)})` };
  }
  throw new DiffError(`no main branch to compare with (tried ${tried.join(', ')}); pass --base REF`);
}

export interface RenderedRevision {
  /** Folder holding one sub-folder per cluster. */
  readonly outDir: string;
  /** Said before the summary, e.g. when the base could not be rendered with its own code. */
  readonly notes: readonly string[];
  /** Removes the temporary folders. */
  cleanup(): void;
}

/**
 * The whole environment a render child process gets: PATH (to find node and git), HOME, and PLATFORM_UPSTREAM
 * (the pinned upstream data). Nothing else: no AWS_*, GITHUB_*, NPM_TOKEN, NODE_OPTIONS or any other variable.
 */
export function childEnv(upstream: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { PATH: env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? tmpdir(), PLATFORM_UPSTREAM: upstream };
}

/** What a render child process needs: the `--config` folder, the upstream data, and `what` for error messages. */
export interface SynthInChildOptions {
  /** Config folder relative to `cwd`. @default "config" */
  readonly config?: string;
  /** Upstream data folder, passed on as PLATFORM_UPSTREAM. */
  readonly upstream: string;
  /** What is rendered, for the error message, e.g. `the working tree`. */
  readonly what: string;
}

/** The node arguments of a render child: the revision's own launcher when it has one, else tsx on src/cli.ts. */
function synthArgs(cwd: string, out: string, options: SynthInChildOptions): string[] {
  const config = options.config && options.config !== 'config' ? ['--config', options.config] : [];
  const entry = existsSync(join(cwd, 'bin', 'platform.mjs')) ? ['bin/platform.mjs'] : ['--import', 'tsx', 'src/cli.ts'];
  return [...entry, 'synth', '--out', out, ...config];
}

const synthFailed = (what: string, exit: number | string | null, output: string) => new DiffError(`rendering ${what} failed (exit ${exit}):\n${output.trim()}`);

/**
 * Runs `synth --out OUT` of the project at `cwd` (its own code) in a child process with childEnv only: through that
 * revision's own launcher (`bin/platform.mjs`, which bundles its sources once with esbuild; transforming every module
 * through tsx made a base render several times slower than a synth), else `src/cli.ts` through tsx for revisions
 * from before the launcher.
 * @throws DiffError naming `what` with the child's output when it exits non-zero
 */
export function synthInChild(cwd: string, out: string, options: SynthInChildOptions): void {
  const r = spawnSync(process.execPath, synthArgs(cwd, out, options), {
    cwd,
    env: childEnv(options.upstream),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw synthFailed(options.what, r.status ?? r.signal, `${r.stderr ?? ''}${r.stdout ?? ''}${r.error ?? ''}`);
}

/**
 * synthInChild without blocking, so the diff renders its base and head at the same time (each render is one
 * single-threaded process; run one after the other they were most of a diff's wall time).
 * @throws (rejects with) DiffError as synthInChild
 */
export function synthInChildAsync(cwd: string, out: string, options: SynthInChildOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, synthArgs(cwd, out, options), { cwd, env: childEnv(options.upstream), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let error: Error | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => (error = err));
    child.on('close', (status, signal) => (status === 0 ? resolve() : reject(synthFailed(options.what, status ?? signal, `${stderr}${stdout}${error ?? ''}`))));
  });
}

export interface RenderRevisionOptions {
  /** Config folder relative to the project root (`--config`). @default "config" */
  readonly config?: string;
  /** node_modules to link into the extracted tree. */
  readonly nodeModules: string;
  /** Upstream data folder, passed on as PLATFORM_UPSTREAM. */
  readonly upstream: string;
}

/** A revision extracted for rendering: `render` is set when its own code must render it into `rendered.outDir`. */
interface ExtractedRevision {
  readonly rendered: RenderedRevision;
  readonly render?: { readonly tree: string; readonly options: SynthInChildOptions };
}

/** Extracts `sha` into a temporary folder; its committed dist/ is the result when it has no `src/cli.ts synth`. */
function extractRevision(repo: string, sha: string, options: RenderRevisionOptions): ExtractedRevision {
  const root = mkdtempSync(join(tmpdir(), 'platform-diff-base-'));
  const tree = join(root, 'tree');
  const out = join(root, 'out');
  const link = join(tree, 'node_modules');
  // Unlink first, so removing the folder can never reach into the project's own node_modules.
  const unlinkModules = () => {
    if (lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(link);
  };
  const cleanup = () => {
    unlinkModules();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    mkdirSync(tree);
    const archive = git(repo, ['archive', '--format=tar', sha]);
    if (!archive.ok) throw new DiffError(`git archive ${sha.slice(0, 7)} failed: ${archive.stderr.trim()}`);
    const tar = spawnSync('tar', ['-x', '-C', tree], { input: archive.stdout, maxBuffer: 64 * 1024 * 1024 });
    if (tar.status !== 0) throw new DiffError(`extracting ${sha.slice(0, 7)} failed: ${tar.stderr?.toString() ?? tar.error}`);

    const cli = gitText(repo, ['show', `${sha}:src/cli.ts`]) ?? '';
    if (!/synth/.test(cli)) {
      const note = `The base ${sha.slice(0, 7)} has no \`src/cli.ts synth\` to render it with its own code`;
      if (existsSync(join(tree, 'dist'))) {
        return { rendered: { outDir: join(tree, 'dist'), notes: [`${note}; compared with its committed dist/ instead.`], cleanup } };
      }
      throw new DiffError(`${note}, and no committed dist/ either; pass a newer --base`);
    }

    unlinkModules(); // a committed node_modules symlink
    symlinkSync(options.nodeModules, link, 'dir');
    const what = `the base ${sha.slice(0, 7)} with its own code`;
    return { rendered: { outDir: out, notes: [], cleanup }, render: { tree, options: { config: options.config, upstream: options.upstream, what } } };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** Extracts `sha` and renders it with its own `src/cli.ts synth`; falls back to its committed dist/ when it has none. */
export function renderRevision(repo: string, sha: string, options: RenderRevisionOptions): RenderedRevision {
  const { rendered, render } = extractRevision(repo, sha, options);
  try {
    if (render) synthInChild(render.tree, rendered.outDir, render.options);
    return rendered;
  } catch (err) {
    rendered.cleanup();
    throw err;
  }
}

/** renderRevision with the render in a child process that does not block (see synthInChildAsync). */
export async function renderRevisionAsync(repo: string, sha: string, options: RenderRevisionOptions): Promise<RenderedRevision> {
  const { rendered, render } = extractRevision(repo, sha, options);
  try {
    if (render) await synthInChildAsync(render.tree, rendered.outDir, render.options);
    return rendered;
  } catch (err) {
    rendered.cleanup();
    throw err;
  }
}
