/**
 * Renders a git revision with that revision's own code, without touching the repository: the commit's tracked
 * files are extracted with `git archive` into a temporary folder (a read-only, throwaway worktree: no
 * .git/worktrees entry), the project's node_modules is linked in, and the revision's own CLI renders it in a child
 * process: into a pipe (render-stream.ts) when the revision has that, else with `synth` into a temporary folder.
 *
 * Least trust: both renders (the base revision's code and the working tree's) run in a child process whose
 * environment holds PATH, HOME and PLATFORM_UPSTREAM only (see childEnv), so code from a pull request or an old
 * revision never sees the caller's AWS, GitHub or other credentials.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, normalize, sep } from 'node:path';
import { RenderStreamReader, supportsRenderStream, type ClusterSink } from './render-stream.ts';
import { readTree } from './tree.ts';

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

/** The node arguments that start the CLI of the project at `root`: its own launcher when it has one, else tsx on src/cli.ts. */
const cliArgs = (root: string) => (existsSync(join(root, 'bin', 'platform.mjs')) ? [join(root, 'bin', 'platform.mjs')] : ['--import', 'tsx', join(root, 'src', 'cli.ts')]);

/** `--config` for a render child, when not the default. */
const configArgs = (options: SynthInChildOptions) => (options.config && options.config !== 'config' ? ['--config', options.config] : []);

/** The node arguments of a render child: `synth --out OUT` through cliArgs. */
function synthArgs(cwd: string, out: string, options: SynthInChildOptions): string[] {
  return [...cliArgs(cwd), 'synth', '--out', out, ...configArgs(options)];
}

const synthFailed = (what: string, exit: number | string | null, output: string) => new DiffError(`rendering ${what} failed (exit ${exit}):\n${output.trim()}`);

/**
 * Runs `node ARGS` in `cwd` with childEnv only, without blocking (the diff renders base and head at the same time).
 * Its stdout goes to `onStdout` when given (a throw there stops the child and rejects with that error), else into
 * the failure message with its stderr.
 * @throws (rejects with) DiffError naming `options.what` with the child's output when it exits non-zero
 */
function runChild(cwd: string, args: readonly string[], options: SynthInChildOptions, onStdout?: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: childEnv(options.upstream), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let error: Error | undefined;
    let streamError: Error | undefined;
    // Bytes for a stream reader (it cuts files out by byte counts), text for a message.
    if (!onStdout) child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: Buffer | string) => {
      if (!onStdout) stdout += d as string;
      else if (!streamError) {
        try {
          onStdout(d as Buffer);
        } catch (err) {
          streamError = err as Error;
          child.kill();
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => (error = err));
    child.on('close', (status, signal) => {
      if (streamError) reject(streamError);
      else if (status === 0 && !error) resolve();
      else reject(synthFailed(options.what, status ?? signal, `${stderr}${stdout}${error ?? ''}`));
    });
  });
}

/**
 * Runs `synth --out OUT` of the project at `cwd` (its own code) in a child process with childEnv only: through that
 * revision's own launcher (`bin/platform.mjs`, which bundles its sources once with esbuild; transforming every module
 * through tsx made a base render several times slower than a synth), else `src/cli.ts` through tsx for revisions
 * from before the launcher.
 * @throws (rejects with) DiffError naming `what` with the child's output when it exits non-zero
 */
export function synthInChildAsync(cwd: string, out: string, options: SynthInChildOptions): Promise<void> {
  return runChild(cwd, synthArgs(cwd, out, options), options);
}

/** Runs a `diff --render-stream` child (runChild) and reads its render stream into `onCluster`. */
async function streamChild(cwd: string, args: readonly string[], options: SynthInChildOptions, onCluster: ClusterSink): Promise<void> {
  const reader = new RenderStreamReader(options.what, onCluster);
  try {
    await runChild(cwd, args, options, (d) => reader.push(d));
    reader.end();
  } catch (err) {
    throw err instanceof DiffError ? err : new DiffError((err as Error).message);
  }
}

/**
 * Renders the project at `cwd` with its own code in a child process (childEnv only), handing each rendered cluster
 * to `onCluster`. A revision that has the render stream (render-stream.ts) renders into a pipe, and each cluster
 * arrives as soon as it is rendered: no file is written, read back or deleted. Older revisions run `synth --out`
 * into a temporary folder, read and removed here.
 * @throws (rejects with) DiffError naming `options.what` when the render fails or its stream is damaged
 */
export async function renderTreeInChild(cwd: string, options: SynthInChildOptions, onCluster: ClusterSink): Promise<void> {
  if (supportsRenderStream(cwd)) return streamChild(cwd, [...cliArgs(cwd), 'diff', '--render-stream', ...configArgs(options)], options, onCluster);
  const out = mkdtempSync(join(tmpdir(), 'platform-diff-out-'));
  try {
    await synthInChildAsync(cwd, out, options);
    for (const [name, files] of readTree(out)) onCluster(name, files);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** Ignored entries that are no input of a render: the shared node_modules, caches keyed by their inputs, dist/. */
const NOT_INPUTS = /^(node_modules|\.cache|dist)(\/|$)/;

/**
 * Whether the working tree of `repo` holds exactly the files of commit `sha`, dist/ aside: no tracked file changed,
 * added or deleted (`git diff SHA`, no file hidden from it by skip-worktree or assume-unchanged), no untracked file,
 * and no git-ignored file but node_modules/, .cache/ and dist/. Then both sides render from the same files (every
 * file counts, code, config or anything else: the check does not guess what a render reads), so their outputs are
 * identical and one render serves as both. dist/ is the output a render writes, never an input; the base renders
 * with the same node_modules; .cache/ holds caches keyed by their inputs. Any git failure counts as "not the same".
 * `except`: folders (relative to `repo`) whose tracked and untracked files are left out of the comparison.
 */
export function sameFilesAsCommit(repo: string, sha: string, except: readonly string[] = []): boolean {
  const paths = ['--', '.', ':(exclude)dist', ...except.map((p) => `:(exclude)${p}`)];
  if (!git(repo, ['diff', '--quiet', '--no-ext-diff', '--no-textconv', sha, ...paths]).ok) return false;
  // `H` is a plain tracked file; `S` (skip-worktree) and lower case (assume-unchanged) hide edits from git diff.
  const flags = git(repo, ['ls-files', '-z', '-v', ...paths]);
  if (!flags.ok || flags.stdout.toString().split('\0').some((e) => e !== '' && !e.startsWith('H '))) return false;
  // Ignored files are checked everywhere, `except` included (a loader may read an ignored file there too).
  const others = git(repo, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory', '--', '.', ':(exclude)dist']);
  const untracked = git(repo, ['ls-files', '-z', '--others', '--exclude-standard', ...paths]);
  if (!others.ok || !untracked.ok || untracked.stdout.length > 0) return false;
  return others.stdout.toString().split('\0').every((e) => e === '' || NOT_INPUTS.test(e));
}

/**
 * When only cluster and facts files differ between commit `sha` and the working tree (everything else, code and
 * `<config>/fleet.yaml` included, is the same by sameFilesAsCommit), the names of the clusters whose files differ
 * (changed, added or deleted; a cluster is named by its file, `<config>/clusters/<name>.yaml` and
 * `<config>/facts/<name>.yaml`). Every other cluster has the same code and the same inputs on both sides (a cluster
 * renders from its own files and fleet.yaml, as synth's no-change index assumes), so the same output. Undefined
 * when anything else differs, when `config` is not a folder inside `repo`, or when git fails.
 */
export function changedClusters(repo: string, sha: string, config: string): Set<string> | undefined {
  const root = normalize(config).split(sep).join('/').replace(/\/$/, '');
  if (isAbsolute(config) || root === '.' || root.startsWith('..')) return undefined;
  const folders = [`${root}/clusters`, `${root}/facts`];
  if (!sameFilesAsCommit(repo, sha, folders)) return undefined;
  const diff = git(repo, ['diff', '--name-only', '--relative', '--no-renames', '-z', sha, '--', ...folders]);
  const untracked = git(repo, ['ls-files', '-z', '--others', '--exclude-standard', '--', ...folders]);
  if (!diff.ok || !untracked.ok) return undefined;
  const names = new Set<string>();
  for (const path of `${diff.stdout}\0${untracked.stdout}`.split('\0').filter(Boolean)) {
    const file = /^[^/]+\.yaml$/.exec(path.slice(root.length + 1).replace(/^(clusters|facts)\//, ''))?.[0];
    if (!file || !folders.some((f) => path.startsWith(`${f}/`))) return undefined; // not a cluster's file: render all
    names.add(file.slice(0, -'.yaml'.length));
  }
  return names;
}

/**
 * Renders the clusters `only` of commit `sha`'s config with the working tree's code (of `repo`), for
 * changedClusters: that code is the base's own, byte for byte. Only `<config>` is extracted; the child runs in the
 * extracted folder, so file names in the output and in messages read as in a full render of the base. Every base
 * cluster is still loaded and checked, as a full render would.
 * @throws (rejects with) DiffError when git, tar or the render fails
 */
export async function renderBaseClusters(repo: string, sha: string, only: ReadonlySet<string>, options: RenderRevisionOptions, onCluster: ClusterSink): Promise<void> {
  const config = options.config ?? 'config';
  const root = mkdtempSync(join(tmpdir(), 'platform-diff-config-'));
  try {
    await extract(repo, sha, root, [config]);
    const args = [...cliArgs(repo), 'diff', '--render-stream', '--config', join(root, config), '--render-only', ...only];
    await streamChild(root, args, { upstream: options.upstream, what: `the base ${sha.slice(0, 7)} (its config, with the same code as the working tree)` }, onCluster);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface RenderRevisionOptions {
  /** Config folder relative to the project root (`--config`). @default "config" */
  readonly config?: string;
  /** node_modules to link into the extracted tree. */
  readonly nodeModules: string;
  /** Upstream data folder, passed on as PLATFORM_UPSTREAM. */
  readonly upstream: string;
  /**
   * A folder kept across runs for the extracted revision's launcher bundle cache (its `.cache/cli`), so the same base
   * is not bundled again by every diff. @default undefined (the launcher bundles in the temporary tree)
   */
  readonly bundleCache?: string;
}

/** Runs `git archive SHA -- PATHSPEC…` piped into `tar -x -C DIR`, without blocking. */
function extract(repo: string, sha: string, dir: string, pathspec: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['-C', repo, 'archive', '--format=tar', sha, '--', ...pathspec], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    archive.stdout.pipe(tar.stdin);
    let archiveErr = '';
    let tarErr = '';
    archive.stderr.on('data', (d: Buffer) => (archiveErr += d.toString()));
    tar.stderr.on('data', (d: Buffer) => (tarErr += d.toString()));
    let archiveStatus: number | null | undefined;
    archive.on('error', (err) => reject(new DiffError(`git archive ${sha.slice(0, 7)} failed: ${err.message}`)));
    tar.on('error', (err) => reject(new DiffError(`extracting ${sha.slice(0, 7)} failed: ${err.message}`)));
    archive.on('close', (status) => (archiveStatus = status));
    tar.on('close', (status) => {
      // tar closes after git archive's stdout ends; git's exit status is known by then or right after.
      const done = () => {
        if (archiveStatus !== 0) reject(new DiffError(`git archive ${sha.slice(0, 7)} failed: ${archiveErr.trim()}`));
        else if (status !== 0) reject(new DiffError(`extracting ${sha.slice(0, 7)} failed: ${tarErr.trim()}`));
        else resolve();
      };
      if (archiveStatus === undefined) archive.once('close', done);
      else done();
    });
  });
}

/** Replaces a symlink at `path` (or creates it) pointing at `target`; throws (EEXIST) when anything else is there. */
function linkTo(path: string, target: string): void {
  if (lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(path);
  symlinkSync(target, path, 'dir');
}

/**
 * Copies the launcher's bundle cache (`manifest.json`, the bundle it names, and that bundle's V8 code caches
 * `<bundle>.<command>.v8`, bin/platform.mjs requireBundle) from `from` to `to`, when there is one and it differs; a
 * code cache is copied when `to` lacks it (or has one of another size). A copy, not a link: Node runs a linked bundle
 * from its real path, and the bundle finds its project root from there. Each file is copied then renamed, so a diff
 * running at the same time never reads half a bundle. Any failure only costs a bundle build (or a compilation: a
 * base render without its code cache started ~70 ms of CPU later).
 */
function copyBundleCache(from: string, to: string): void {
  try {
    const manifest = readFileSync(join(from, 'manifest.json'), 'utf8');
    const { bundle } = JSON.parse(manifest) as { bundle?: unknown };
    if (typeof bundle !== 'string' || basename(bundle) !== bundle) return;
    const same = existsSync(join(to, 'manifest.json')) && readFileSync(join(to, 'manifest.json'), 'utf8') === manifest;
    const codeCaches = readdirSync(from).filter((f) => f.startsWith(`${bundle}.`) && f.endsWith('.v8'));
    const size = (dir: string, file: string) => lstatSync(join(dir, file), { throwIfNoEntry: false })?.size;
    const newCaches = codeCaches.filter((f) => size(to, f) !== size(from, f));
    if (same && newCaches.length === 0) return;
    mkdirSync(to, { recursive: true });
    if (!same) for (const old of readdirSync(to)) if (old !== bundle && !codeCaches.includes(old)) rmSync(join(to, old), { force: true });
    // The manifest last: a launcher reading the folder meanwhile sees the old bundle or the whole new one.
    for (const file of same ? newCaches : [bundle, ...newCaches, 'manifest.json']) {
      const tmp = join(to, `.tmp-${process.pid}-${file}`);
      copyFileSync(join(from, file), tmp);
      renameSync(tmp, join(to, file));
    }
  } catch {
    // no cache yet, or a damaged one: the launcher bundles
  }
}

/**
 * Extracts `sha` into a temporary folder and renders it with its own code in a child process (renderTreeInChild),
 * handing each cluster to `onCluster`; falls back to its committed dist/ when it has no `src/cli.ts synth` (then
 * resolves to a note saying so, else to no notes). The temporary folder is always removed.
 *
 * What is extracted: every tracked file but dist/ (the render writes output, it never reads the committed one).
 * With `bundleCache`, the launcher's bundle cache of the tree (`.cache/cli`: bundle, manifest and V8 code caches) is
 * filled from that folder before the render and saved back to it after. The launcher uses a cached bundle only when its recorded key equals the hash of
 * the tree's own input files (bin/platform.mjs cachedBundle), so a bundle of other code is rebuilt, never run.
 * Trust: the folder lies under the project's `.cache/`, next to the launcher's own bundle (`.cache/cli`) that every
 * run of the diff itself executes; code able to write there already controls the next diff, so the cache gives no
 * one anything new.
 * @throws (rejects with) DiffError when git, tar or the render fails
 */
export async function renderRevision(repo: string, sha: string, options: RenderRevisionOptions, onCluster: ClusterSink): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'platform-diff-base-'));
  const tree = join(root, 'tree');
  const modules = join(tree, 'node_modules');
  const treeCache = join(tree, '.cache', 'cli');
  try {
    mkdirSync(tree);
    const cli = gitText(repo, ['show', `${sha}:src/cli.ts`]) ?? '';
    if (!/synth/.test(cli)) {
      await extract(repo, sha, tree, []);
      const note = `The base ${sha.slice(0, 7)} has no \`src/cli.ts synth\` to render it with its own code`;
      if (!existsSync(join(tree, 'dist'))) throw new DiffError(`${note}, and no committed dist/ either; pass a newer --base`);
      for (const [name, files] of readTree(join(tree, 'dist'))) onCluster(name, files);
      return [`${note}; compared with its committed dist/ instead.`];
    }
    await extract(repo, sha, tree, [':(exclude)dist']);
    linkTo(modules, options.nodeModules); // replaces a committed node_modules symlink
    // Not into a .cache/ the revision commits itself (then its own cache is what its launcher checks).
    const cache = options.bundleCache && !existsSync(join(tree, '.cache')) ? options.bundleCache : undefined;
    if (cache) copyBundleCache(cache, treeCache);
    const what = `the base ${sha.slice(0, 7)} with its own code`;
    await renderTreeInChild(tree, { config: options.config, upstream: options.upstream, what }, onCluster);
    if (cache) copyBundleCache(treeCache, cache);
    return [];
  } finally {
    // Unlinked first, so removing the folder can never reach into the project's node_modules.
    if (lstatSync(modules, { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(modules);
    await rm(root, { recursive: true, force: true });
  }
}
