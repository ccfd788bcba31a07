/**
 * Golden test of the diff's output: fixed base/head trees (test/fixtures/diff-golden: an unchanged cluster, an
 * edited one, a removed one and an added one; the edits cover a chart bump, an image, a wave, values with secrets,
 * removed and added objects, a comment-only change, a re-indented CloudFormation template with a removal and a
 * replacement) compared and formatted as text and Markdown. The expected files were written by the engine before
 * its fast paths (byte-identical clusters and files skipped before parsing), so they pin that the fast paths
 * change no output byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTrees } from '../src/diff/engine.ts';
import { formatMarkdown, formatText } from '../src/diff/format.ts';
import { readTree } from '../src/diff/tree.ts';
import { PROJECT_ROOT } from '../src/paths.ts';

const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'diff-golden');
const expected = (file: string) => readFileSync(join(DIR, file), 'utf8');

describe('diff output on fixed trees', () => {
  const report = compareTrees(readTree(join(DIR, 'base')), readTree(join(DIR, 'head')));
  const fmt = { baseLabel: 'main (1234567)', headLabel: 'working tree', notes: [] };

  it('text output is byte-identical to the golden file', () => {
    expect(formatText(report, fmt)).toBe(expected('expected.txt'));
  });

  it('Markdown output (full and cut to 4000 characters) is byte-identical to the golden files', () => {
    expect(formatMarkdown(report, fmt)).toBe(expected('expected.md'));
    expect(formatMarkdown(report, { ...fmt, maxChars: 4000 })).toBe(expected('expected-short.md'));
  });

  it('the secrets added in the head never reach the output', () => {
    for (const text of [formatText(report, fmt), formatMarkdown(report, fmt)]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('ghp_');
    }
  });
});

describe('byte-identical input is not parsed', () => {
  const files = (extra: Record<string, string>) => new Map(Object.entries({ 'apps/x.yaml': 'kind: ConfigMap\nmetadata:\n  name: x\n', ...extra }));

  it('an unchanged cluster compares unchanged without parsing its files (an unreadable identical file included)', () => {
    const broken = { 'addons/a/broken.yaml': 'key: [unclosed\n', 'aws/cloudformation.json': '{ not json' };
    const report = compareTrees(new Map([['c', files(broken)]]), new Map([['c', files(broken)]]));
    expect(report.hasChanges).toBe(false);
    expect(report.clusters[0]).toMatchObject({ change: 'unchanged', files: 3, groups: [] });
  });

  it('in a changed cluster, a byte-identical JSON file is skipped before parsing', () => {
    const base = files({ 'aws/cloudformation.json': '{ not json' });
    const head = files({ 'aws/cloudformation.json': '{ not json', 'apps/x.yaml': 'kind: ConfigMap\nmetadata:\n  name: y\n' });
    const report = compareTrees(new Map([['c', base]]), new Map([['c', head]]));
    expect(report.clusters[0].groups.flatMap((g) => g.resources.map((r) => [r.path, r.change]))).toEqual([['apps/x.yaml', 'changed']]);
  });
});
