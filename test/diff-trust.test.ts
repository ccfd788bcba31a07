/**
 * Issue 13, finding 9: the base and head renders of `npm run diff` run in a child process with PATH, HOME and
 * PLATFORM_UPSTREAM only. A stand-in project whose `src/cli.ts synth` writes down the environment it got proves
 * that fake AWS and GitHub credentials set in the caller's environment never reach it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, renderRevision, synthInChildAsync } from '../src/diff/git.ts';
import { runDiff } from '../src/diff/run.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { tempDir } from './helpers.ts';

const FAKE: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake-aws-secret',
  AWS_SESSION_TOKEN: 'fake-session',
  GITHUB_TOKEN: 'fake-github-token',
  GH_TOKEN: 'fake-gh-token',
  NPM_TOKEN: 'fake-npm-token',
  RENOVATE_DIST_TOKEN: 'fake-push-token',
};
// What the stand-in's synth does: write the names of its environment variables, and any fake value it can see.
const STAND_IN = `// stand-in for src/cli.ts synth
import { mkdirSync, writeFileSync } from 'node:fs';
const out = process.argv[process.argv.indexOf('--out') + 1];
mkdirSync(out + '/dev', { recursive: true });
const seen = Object.values(process.env).filter((v) => String(v).includes('fake') || String(v).includes('FAKE'));
writeFileSync(out + '/dev/env.json', JSON.stringify({ names: Object.keys(process.env).sort(), seen }) + '\\n');
`;

let repo: string;
const saved: Record<string, string | undefined> = {};
const upstream = '/nonexistent/upstream-for-test';

beforeAll(() => {
  repo = join(tempDir('diff-trust-'), 'repo');
  mkdirSync(join(repo, 'src'), { recursive: true });
  writeFileSync(join(repo, 'src', 'cli.ts'), STAND_IN);
  writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
  const git = (...args: string[]) => spawnSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' });
  git('init', '--quiet', '-b', 'main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'stand-in');
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  for (const [k, v] of Object.entries(FAKE)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const seenBy = (dir: string) => JSON.parse(readFileSync(join(dir, 'dev', 'env.json'), 'utf8')) as { names: string[]; seen: string[] };

describe('diff renders in a child process with a minimal environment', () => {
  it('childEnv keeps PATH, HOME and PLATFORM_UPSTREAM only', () => {
    expect(childEnv('/up', { PATH: '/bin', HOME: '/h', ...FAKE, NODE_OPTIONS: '--require x' })).toEqual({ PATH: '/bin', HOME: '/h', PLATFORM_UPSTREAM: '/up' });
  });

  it('the base revision, rendered with its own code, sees no credential of the caller', async () => {
    const sha = spawnSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    let text = '';
    await renderRevision(repo, sha, { nodeModules: join(PROJECT_ROOT, 'node_modules'), upstream }, (_name, files) => (text = files.get('env.json') ?? text));
    const env = JSON.parse(text) as { names: string[]; seen: string[] };
    expect(env.seen).toEqual([]);
    expect(env.names).toEqual(['HOME', 'PATH', 'PLATFORM_UPSTREAM']);
  }, 60_000);

  it('the working tree (the head) sees none either, and runDiff compares the two', async () => {
    const out = tempDir('diff-trust-head-');
    await synthInChildAsync(repo, out, { upstream, what: 'the working tree' });
    expect(seenBy(out).seen).toEqual([]);
    expect(seenBy(out).names).toEqual(['HOME', 'PATH', 'PLATFORM_UPSTREAM']);
    const { report, output } = await runDiff({ projectRoot: repo, base: 'HEAD' });
    expect(report.hasChanges).toBe(false);
    expect(output).not.toContain('fake');
  }, 60_000);

  it("a revision with its own launcher (bin/platform.mjs) renders through it, still with only PATH, HOME, PLATFORM_UPSTREAM (and the launcher's own code key)", async () => {
    const launched = join(tempDir('diff-trust-launcher-'), 'repo');
    mkdirSync(join(launched, 'src'), { recursive: true });
    mkdirSync(join(launched, 'bin'));
    // The stand-in as a module exporting main(), which the launcher calls; __cliModuleUrl exists only in the bundle.
    writeFileSync(
      join(launched, 'src', 'cli.ts'),
      `import { mkdirSync, writeFileSync } from 'node:fs';
declare const __cliModuleUrl: string | undefined;
export async function main(argv: string[]): Promise<number> {
  const out = argv[argv.indexOf('--out') + 1];
  mkdirSync(out + '/dev', { recursive: true });
  const seen = Object.values(process.env).filter((v) => String(v).includes('fake') || String(v).includes('FAKE'));
  const bundled = typeof __cliModuleUrl === 'string';
  writeFileSync(out + '/dev/env.json', JSON.stringify({ names: Object.keys(process.env).sort(), seen, bundled }));
  return 0;
}
`,
    );
    copyFileSync(join(PROJECT_ROOT, 'bin', 'platform.mjs'), join(launched, 'bin', 'platform.mjs'));
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(launched, 'node_modules'), 'dir');
    const out = tempDir('diff-trust-launcher-out-');
    await synthInChildAsync(launched, out, { upstream, what: 'the working tree' });
    const env = JSON.parse(readFileSync(join(out, 'dev', 'env.json'), 'utf8')) as { names: string[]; seen: string[]; bundled: boolean };
    expect(env.seen).toEqual([]);
    expect(env.names).toEqual(['HOME', 'PATH', 'PLATFORM_CODE_VERSION', 'PLATFORM_UPSTREAM']);
    // Rendered from the esbuild bundle (whose banner defines __cliModuleUrl), not through tsx.
    expect(env.bundled).toBe(true);
  }, 60_000);
});
