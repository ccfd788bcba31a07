/**
 * Issue 16: the diff renders through a pipe (render-stream.ts) instead of synth's files, compares clusters as they
 * arrive, and renders once when the working tree holds the base commit's files. These tests prove each shortcut
 * exact: the stream carries synth's files byte for byte, the streaming comparison equals the whole-tree one, the
 * reader refuses a damaged stream, and "same files" means every file but dist/ (code, config or anything else).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTrees, StreamingComparison } from '../src/diff/engine.ts';
import { changedClusters, sameFilesAsCommit } from '../src/diff/git.ts';
import { renderToStream } from '../src/diff/render-emit.ts';
import { clusterRecord, RENDER_STREAM_HEADER, RENDER_STREAM_HEADER_V1, RenderStreamReader } from '../src/diff/render-stream.ts';
import { isReviewFile } from '../src/review.ts';
import { readTree } from '../src/diff/tree.ts';
import { synth } from '../src/synth.ts';
import { editCluster, tempConfig, tempDir } from './helpers.ts';

type Tree = Map<string, ReadonlyMap<string, string>>;

/** Reads `text` as a render stream, split into chunks of `size` bytes (anywhere, inside a character too). */
function read(text: string | Buffer, size = text.length || 1): Tree {
  const bytes = Buffer.from(text);
  const tree: Tree = new Map();
  const reader = new RenderStreamReader('the test', (name, files) => tree.set(name, files));
  for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
  reader.end();
  return tree;
}

/** A version 1 stream (older revisions: one JSON line per cluster). */
const v1 = (...clusters: Array<[string, ReadonlyMap<string, string>]>) => `${RENDER_STREAM_HEADER_V1}\n${clusters.map(([name, files]) => `${JSON.stringify({ name, files: [...files] })}\n`).join('')}`;

describe('the render stream', () => {
  it('carries exactly the files synth writes but the review files, the fleet folder included', async () => {
    const config = tempConfig();
    const out = tempDir('diff-stream-synth-');
    await synth({ configDir: config, outDir: out });
    let text = '';
    renderToStream(config, (chunk) => (text += chunk));
    expect(text.startsWith(`${RENDER_STREAM_HEADER}\n`)).toBe(true);
    const streamed = read(text, 4093);
    const written = new Map([...readTree(out)].map(([name, files]) => [name, new Map([...files].filter(([path]) => !isReviewFile(path)))]));
    expect([...written.get('dev')!.keys()].length).toBeGreaterThan(20);
    expect([...streamed.keys()].sort()).toEqual(['_fleet', 'dev', 'prod']);
    // Map equality: the same paths with the same contents, byte for byte, in any order.
    expect(streamed).toEqual(written);
  }, 60_000);

  it('reads version 2 records split anywhere, multi-byte text, tabs, line ends and empty files included', () => {
    const files = new Map([
      ['apps/a.yaml', 'name: “ä” 🚀\n'],
      ['apps/b.yaml', 'a:\tb\n\n\nc: "\\t"\n'],
      ['empty.txt', ''],
    ]);
    const text = `${RENDER_STREAM_HEADER}\n${clusterRecord('dev', files, () => false)}${clusterRecord('prod', new Map(), () => false)}`;
    for (const size of [1, 2, 3, 7, 64, text.length]) expect(read(text, size)).toEqual(new Map([['dev', files], ['prod', new Map()]]));
  });

  it('leaves out what the writer is told to skip, and refuses names it could not read back', () => {
    const files = new Map([['README.md', '# x\n'], ['apps/a.yaml', 'a: 1\n']]);
    expect(read(`${RENDER_STREAM_HEADER}\n${clusterRecord('dev', files, isReviewFile)}`)).toEqual(new Map([['dev', new Map([['apps/a.yaml', 'a: 1\n']])]]));
    expect(() => clusterRecord('dev', new Map([['a\tb.yaml', '']]), () => false)).toThrow('render stream: "a\\tb.yaml" holds a tab or a line break');
    expect(() => clusterRecord('d\nev', new Map(), () => false)).toThrow('holds a tab or a line break');
  });

  it('still reads version 1 (older revisions), split anywhere', () => {
    const files = new Map([['apps/a.yaml', 'name: “ä” 🚀\n']]);
    const text = v1(['dev', files], ['prod', new Map()]);
    for (const size of [1, 7, 64]) expect(read(text, size)).toEqual(new Map([['dev', files], ['prod', new Map()]]));
  });

  const record = (name: string, body: string) => `${name}\t${Buffer.byteLength(body)}\n${body}`;
  it.each([
    ['', 'it is empty'],
    ['synth: 2 clusters\n', 'got "synth: 2 clusters" first'],
    ['platform-render-stream v3\n', 'got "platform-render-stream v3" first'],
    ['x'.repeat(10_000), `got "${'x'.repeat(20)}`],
    [`${RENDER_STREAM_HEADER}\n${record('dev', 'a.yaml\t5\nb: 1\n').slice(0, -2)}`, 'it ends in the middle of a cluster'],
    [`${RENDER_STREAM_HEADER}\n${record('dev', 'a.yaml\t3\nb: 1\n')}`, 'a file of cluster "dev" header is not "<name>\\t<bytes>": "1"'],
    [`${RENDER_STREAM_HEADER}\ndev\t10`, 'it ends in the middle of a cluster'],
    [`${RENDER_STREAM_HEADER}\ndev 10\n`, 'a cluster header is not "<name>\\t<bytes>": "dev 10"'],
    [`${RENDER_STREAM_HEADER}\ndev\t-1\n`, 'a cluster header is not "<name>\\t<bytes>"'],
    [`${RENDER_STREAM_HEADER}\ndev\t1e3\n`, 'a cluster header is not "<name>\\t<bytes>"'],
    [`${RENDER_STREAM_HEADER}\ndev\t99999999999\n`, 'a cluster header is not "<name>\\t<bytes>"'],
    [`${RENDER_STREAM_HEADER}\n${'d'.repeat(5000)}\t1\n`, 'a record header is longer than 4096 bytes'],
    [`${RENDER_STREAM_HEADER}\n${record('.staging', '')}`, 'a cluster is named ".staging"'],
    [`${RENDER_STREAM_HEADER}\n${record('', '')}`, 'a cluster is named ""'],
    [`${RENDER_STREAM_HEADER}\n${record('dev', '')}${record('dev', '')}`, 'cluster "dev" appears twice'],
    [`${RENDER_STREAM_HEADER}\n${record('dev', 'a.yaml\t1\nxa.yaml\t1\ny')}`, 'cluster "dev": the file "a.yaml" is there twice'],
    [`${RENDER_STREAM_HEADER}\n${record('dev', 'a.yaml\t5\nxy')}`, 'cluster "dev": the file "a.yaml" runs past the cluster\'s end'],
    [`${RENDER_STREAM_HEADER}\n${record('dev', 'a.yaml')}`, 'cluster "dev": a file header has no line end'],
    [`${RENDER_STREAM_HEADER}\n${record('dev', '\t0\n')}`, 'cluster "dev": the file "" is unnamed'],
    [`${RENDER_STREAM_HEADER_V1}\n{"name":"dev","files":[]}`, 'it ends in the middle of a line'],
    [`${RENDER_STREAM_HEADER_V1}\nnot json\n`, 'a line is not JSON'],
    [`${RENDER_STREAM_HEADER_V1}\n{"name":"dev","files":[["a.yaml",1]]}\n`, 'a line is not {"name": string'],
    [`${RENDER_STREAM_HEADER_V1}\n{"name":".staging","files":[]}\n`, 'a line is not {"name": string'],
    [`${RENDER_STREAM_HEADER_V1}\n{"name":"dev","files":[]}\n{"name":"dev","files":[]}\n`, 'cluster "dev" appears twice'],
  ])('refuses a damaged stream (%#)', (text, problem) => {
    for (const size of [1, 5, text.length || 1]) expect(() => read(text, size)).toThrow(`the render stream of the test is damaged: ${problem}`);
  });
});

describe('StreamingComparison', () => {
  it('gives the whole-tree report whatever order the clusters arrive in', () => {
    const config = tempConfig();
    editCluster(config, 'dev', (doc) => (doc.addons['metrics-server'] = { ...doc.addons['metrics-server'], replicas: 3 }));
    let text = '';
    renderToStream(config, (chunk) => (text += chunk));
    const head = read(text);
    const base: Tree = new Map([...head].filter(([name]) => name !== 'prod'));
    base.set('dev', new Map([...head.get('dev')!].map(([p, c]) => [p, c.replace('replicas: 3', 'replicas: 1')])));
    base.set('gone', head.get('prod')!);
    const expected = compareTrees(base, head);
    expect(expected.clusters.map((c) => `${c.name} ${c.change}`)).toEqual(['_fleet unchanged', 'dev changed', 'gone removed', 'prod added']);
    const streamed = new StreamingComparison();
    const arrivals = [...[...head].map(([n, f]) => ['head', n, f] as const), ...[...base].map(([n, f]) => ['base', n, f] as const)].reverse();
    for (const [side, name, files] of arrivals) streamed.add(side, name, files);
    expect(streamed.report()).toEqual(expected);
  }, 60_000);
});

describe('sameFilesAsCommit: one render serves both sides only when every file but dist/ is the commit', () => {
  const repo = tempDir('diff-same-');
  const git = (...args: string[]) => spawnSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { encoding: 'utf8' });
  const write = (path: string, text: string) => {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  };
  write('.gitignore', 'node_modules/\n.cache/\n*.tsbuildinfo\n');
  write('apps/addon-application.ts', 'export const RETRY = 10;\n');
  write('config/clusters/dev.yaml', 'name: dev\n');
  write('dist/dev/apps/a.yaml', 'kind: Application\n');
  git('init', '--quiet', '-b', 'main');
  git('add', '-A');
  git('commit', '--quiet', '-m', 'base');
  const sha = git('rev-parse', 'HEAD').stdout.trim();

  it.each([
    ['nothing changed', () => {}, true],
    ['only dist/ changed (output, never an input)', () => write('dist/dev/apps/a.yaml', 'kind: Application # edited\n'), true],
    ['a cache file appeared (.cache/ is ignored and keyed by its inputs)', () => write('.cache/x.json', '{}\n'), true],
    ['another ignored file appeared (it could be read by the head render, never by the base)', () => write('config/local.tsbuildinfo', '{}\n'), false],
    ['a tracked file is edited behind skip-worktree', () => (git('update-index', '--skip-worktree', 'config/clusters/dev.yaml'), write('config/clusters/dev.yaml', 'name: dev\nx: 1\n')), false],
    ['a rendered default in the code changed', () => write('apps/addon-application.ts', 'export const RETRY = 11;\n'), false],
    ['one cluster file changed', () => write('config/clusters/dev.yaml', 'name: dev\nx: 1\n'), false],
    ['an untracked file appeared', () => write('charts/new-addon.ts', 'export {};\n'), false],
    ['a change is staged only', () => (write('config/facts/dev.yaml', 'a: 1\n'), git('add', 'config/facts/dev.yaml')), false],
  ])('%s', (_what, change, same) => {
    change();
    try {
      expect(sameFilesAsCommit(repo, sha)).toBe(same);
    } finally {
      git('update-index', '--no-skip-worktree', 'config/clusters/dev.yaml');
      git('reset', '--quiet', '--hard');
      git('clean', '--quiet', '-fdx');
    }
  });

  it('is false for a commit git does not know', () => {
    expect(sameFilesAsCommit(repo, '0'.repeat(40))).toBe(false);
  });

  it.each([
    ['nothing changed', () => {}, []],
    ['one cluster file changed', () => write('config/clusters/dev.yaml', 'name: dev\nx: 1\n'), ['dev']],
    ['a facts file added', () => write('config/facts/dev.yaml', 'a: 1\n'), ['dev']],
    ['a cluster added (untracked)', () => write('config/clusters/qa.yaml', 'name: qa\n'), ['qa']],
    ['a cluster deleted', () => rmSync(join(repo, 'config/clusters/dev.yaml')), ['dev']],
    ['a rendered default in the code changed too', () => (write('config/clusters/dev.yaml', 'name: dev\nx: 1\n'), write('apps/addon-application.ts', 'export const RETRY = 11;\n')), undefined],
    ['fleet.yaml changed (every cluster may render differently)', () => write('config/fleet.yaml', 'namespace: argocd\n'), undefined],
    ['a file that is no cluster file changed in clusters/', () => write('config/clusters/README.md', 'x\n'), undefined],
  ])('changedClusters: %s', (_what, change, names) => {
    change();
    try {
      const got = changedClusters(repo, sha, 'config');
      expect(got === undefined ? undefined : [...got].sort()).toEqual(names);
    } finally {
      git('reset', '--quiet', '--hard');
      git('clean', '--quiet', '-fdx');
    }
  });

  it('changedClusters: undefined for a config folder outside the repository', () => {
    expect(changedClusters(repo, sha, '../elsewhere')).toBeUndefined();
    expect(changedClusters(repo, sha, '/abs/config')).toBeUndefined();
  });
});
