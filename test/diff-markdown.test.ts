/**
 * Issue 13, finding 5: every data-derived string in the PR comment is inert. A label key and an annotation value
 * carrying a newline + `## heading`, an `@org/team` mention, an image and a link are rendered with a CommonMark
 * parser (markdown-it, HTML allowed as on GitHub): no heading, link or image comes from them, and every mention is
 * inside code, where GitHub does not link it.
 */
import { describe, expect, it } from 'vitest';
import MarkdownIt from 'markdown-it';
import { dump } from 'js-yaml';
import { compareTrees } from '../src/diff/engine.ts';
import { codeSpan, formatMarkdown, formatText } from '../src/diff/format.ts';

type Obj = Record<string, unknown>;
const md = new MarkdownIt({ html: true });
const EVIL = 'x\n\n## heading @org/team ![x](https://evil.example.com/x.png) [link](https://evil.example.com) <img src=x> `tick`\n::error::injected';

const file = (o: unknown) => dump(o, { lineWidth: -1, noRefs: true });
function deployment(labelKey: string, annotation: string): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo', labels: { [labelKey]: 'v' }, annotations: { note: annotation } },
    spec: { selector: { matchLabels: { [labelKey]: 'v' } }, template: { metadata: { labels: { [labelKey]: 'v' } }, spec: { containers: [{ name: 'web', image: 'example/web:1.0.0' }] } } },
  };
}
function application(values: Obj): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'dev-demo', namespace: 'argocd', labels: { 'eks-platform/addon': 'demo' }, annotations: { 'argocd.argoproj.io/sync-wave': '100' } },
    spec: { project: 'dev-platform', destination: { server: 'https://kubernetes.default.svc', namespace: 'demo' }, source: { repoURL: 'https://charts.example.com', chart: 'demo', targetRevision: '1.0.0', helm: { valuesObject: values } } },
  };
}
const tree = (files: Record<string, Obj>) => new Map([['dev', new Map(Object.entries(files).map(([p, o]) => [p, file(o)]))]]);

/** Text of the rendered HTML outside <code> and <pre> elements. */
const outsideCode = (h: string) => h.replace(/<pre>[\s\S]*?<\/pre>/g, '').replace(/<code>[\s\S]*?<\/code>/g, '');

describe('the PR comment is inert', () => {
  it('turns a label key and an annotation value into text: no heading, link, image, HTML or mention', () => {
    const base = tree({ 'apps/application_argocd_dev-demo.yaml': application({ podLabels: { safe: 'v' } }), 'addons/demo/deployment_demo_web.yaml': deployment('app', 'plain') });
    const head = tree({
      'apps/application_argocd_dev-demo.yaml': application({ podLabels: { [EVIL]: 'v' }, podAnnotations: { note: EVIL } }),
      'addons/demo/deployment_demo_web.yaml': deployment(EVIL, EVIL),
    });
    const report = compareTrees(base, head);
    const comment = formatMarkdown(report, { baseLabel: 'main @org/team', headLabel: 'x`y\n# h' });
    // The data reached the comment (in the summary, the warnings and the diff) …
    expect(comment.match(/@org\/team/g)!.length).toBeGreaterThan(4);
    expect(report.warnings.some((w) => w.kind === 'replacement' && w.message.includes('## heading'))).toBe(true);
    const rendered = md.render(comment);
    // … but only as code.
    expect(rendered).not.toMatch(/<h[1-6]>[^<]*heading/);
    expect(rendered.match(/<h[1-6]>/g)).toEqual(['<h2>', '<h3>']);
    expect(rendered).not.toContain('<a ');
    expect(rendered).not.toMatch(/<img/);
    expect(outsideCode(rendered)).not.toContain('@');
    expect(outsideCode(rendered)).not.toContain('evil.example.com');
    // The text report (the CI log) keeps each summary line on one line: data starts no line of its own.
    const text = formatText(report, { baseLabel: 'a', headLabel: 'b' });
    expect(text.split('\n').filter((l) => /^(## heading|::)/.test(l))).toEqual([]);
    expect(text).toContain('values.podAnnotations.note: (new) x␤␤## heading @org/team');
    // No raw line of the comment starts with a data-derived heading.
    expect(comment.split('\n').filter((l) => /^#/.test(l))).toEqual(['## Platform diff: `main @org/team` → ``x`y␤# h``', '### `dev`']);
  });

  it('fences code spans longer than any backtick run and keeps each on one line', () => {
    expect(codeSpan('plain')).toBe('`plain`');
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`start')).toBe('`` `start ``');
    expect(codeSpan('a\n## b\r\nc')).toBe('`a␤## b␤c`');
    for (const s of ['a`b', '``x``', '`', 'a ``` b']) expect(md.renderInline(codeSpan(s))).toBe(`<code>${s.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`);
  });

  it('keeps HTML escaped in the <details> summary', () => {
    const r = compareTrees(tree({ 'apps/application_argocd_dev-demo.yaml': application({}) }), tree({ 'apps/application_argocd_dev-demo.yaml': { ...application({}), spec: { ...(application({}).spec as Obj), source: { repoURL: 'https://c', chart: '<script>@org/x', targetRevision: '1.0.1' } } } }));
    const comment = formatMarkdown(r, { baseLabel: 'a', headLabel: 'b' });
    expect(comment).toContain('<code>&lt;script&gt;@org/x: (new) 1.0.1');
    expect(outsideCode(md.render(comment))).not.toContain('@');
  });
});
