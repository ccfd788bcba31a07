/** `npm run docs`: add-on pages and editor schemas generated from the code, and the check CI runs. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADDONS } from '../charts/registry.ts';
import { int } from '../config/schema.ts';
import { GENERATED_END, GENERATED_START } from '../src/docs/addon-pages.ts';
import { generateDocs } from '../src/docs/generate.ts';
import { tempDir } from './helpers.ts';
import { PROJECT_ROOT } from '../src/paths.ts';

function generated(): string {
  const root = tempDir('platform-docs-');
  generateDocs({ root, addons: ADDONS });
  return root;
}

const page = (root: string, id: string) => readFileSync(join(root, 'docs', 'addons', `${id}.md`), 'utf8');

describe('generated docs', () => {
  it('leaves defaults to the generated Settings table: no hand-written table of an add-on page has a Default column', () => {
    const tables = ADDONS.flatMap((addon) => {
      const text = page(PROJECT_ROOT, addon.id);
      const handWritten = text.slice(0, text.indexOf(GENERATED_START)) + text.slice(text.indexOf(GENERATED_END));
      return handWritten.split('\n').filter((line) => /^\|.*\|\s*Default\s*\|/.test(line)).map((line) => `docs/addons/${addon.id}.md: ${line}`);
    });
    expect(tables).toEqual([]);
    // The generated block has one, so the check can see it.
    expect(page(PROJECT_ROOT, 'karpenter')).toMatch(/^\| Key \| Allowed \| Default \| Meaning \|$/m);
  });

  it('writes one page per add-on, the index and the three editor schemas; a second check finds nothing stale', () => {
    const root = generated();
    const check = generateDocs({ root, addons: ADDONS }, { check: true });
    expect(check.stale).toEqual([]);
    expect(check.files).toEqual(
      expect.arrayContaining(['docs/addons/README.md', 'docs/addons/metrics-server.md', 'docs/addons/reloader.md', 'schema/cluster.schema.json', 'schema/facts.schema.json', 'schema/fleet.schema.json']),
    );
    expect(check.files.filter((f) => f.startsWith('docs/addons/') && f !== 'docs/addons/README.md')).toHaveLength(ADDONS.length);
  });

  it('documents wave, chart, namespace and each setting with allowed values, default and meaning', () => {
    const karpenter = page(generated(), 'karpenter');
    expect(karpenter).toContain('| Sync wave | 10 ');
    expect(karpenter).toContain('`karpenter` 1.14.1 from `oci://public.ecr.aws/karpenter/karpenter`');
    expect(karpenter).toContain("| `replicas` | a whole number >= 1 and <= 5 | `2` | Controller replicas; one leads, the other takes over within seconds.");
    expect(karpenter).toMatch(/\| `memory` \| a memory quantity in Mi or Gi such as "1Gi" \| `"1792Mi"` \| Controller memory/);
  });

  it('shows the IAM a controller gets from the bootstrap, and none for add-ons without AWS access', () => {
    const root = generated();
    const dns = page(root, 'external-dns');
    expect(dns).toContain('role `<cluster>-external-dns`, trusted only by the service account `external-dns/external-dns`');
    expect(dns).toContain('`route53:ChangeResourceRecordSets`');
    expect(page(root, 'metrics-server')).toContain('None: this add-on calls no AWS API.');
  });

  it('fails the check when a setting\'s default changes in the code and docs/ does not', () => {
    const root = generated();
    const karpenter = ADDONS.find((a) => a.id === 'karpenter')!;
    const changed = ADDONS.map((a) => (a === karpenter ? { ...a, settings: { ...a.settings, replicas: int({ min: 1, max: 5, default: 3 }) } } : a));
    const check = generateDocs({ root, addons: changed }, { check: true });
    expect(check.stale).toEqual(['docs/addons/karpenter.md', 'schema/cluster.schema.json']);
    // --check writes nothing.
    expect(page(root, 'karpenter')).toContain('| `replicas` | a whole number >= 1 and <= 5 | `2` |');
  });

  it('keeps the hand-written text around the generated block', () => {
    const root = generated();
    const file = join(root, 'docs', 'addons', 'reloader.md');
    const block = page(root, 'reloader').slice(page(root, 'reloader').indexOf(GENERATED_START));
    writeFileSync(file, `# reloader\n\nWhy: rolls Deployments when their Secrets change.\n\n${block.replace('| Sync wave | 50', '| Sync wave | 51')}\n## More\n\nStays.\n`);
    expect(generateDocs({ root, addons: ADDONS }, { check: true }).stale).toEqual(['docs/addons/reloader.md']);
    generateDocs({ root, addons: ADDONS });
    const text = page(root, 'reloader');
    expect(text).toMatch(/^# reloader\n\nWhy: rolls Deployments when their Secrets change\.\n\n<!-- generated:start/);
    expect(text).toContain('| Sync wave | 50 ');
    expect(text).toMatch(/## More\n\nStays\.\n$/);
  });

  it('refuses a page that lost its markers, naming the file and the markers', () => {
    const root = generated();
    writeFileSync(join(root, 'docs', 'addons', 'reloader.md'), '# reloader\n\nhand-written only\n');
    expect(() => generateDocs({ root, addons: ADDONS })).toThrow(`docs/addons/reloader.md: no generated block; allowed: a page with the lines ${GENERATED_START} and ${GENERATED_END}`);
  });
});
