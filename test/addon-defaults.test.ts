/**
 * One owner per add-on default: the settings schema. The loader fills the defaults, so a hook that writes
 * `settings.x ?? <value>` (or `props.x ?? …`) repeats — and may contradict — the schema's default.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ADDONS } from '../charts/registry.ts';
import { tsFiles } from '../src/docs/generate.ts';
import { PROJECT_ROOT } from '../src/paths.ts';

const CHARTS = join(PROJECT_ROOT, 'charts');


/** Source text with quotes unified, so `'1'` and `"1"` compare equal. */
const norm = (node: ts.Node): string => node.getText().replace(/"/g, "'").replace(/\s+/g, ' ');

/** In one file: the `default:` / `fallback:` expressions of schema calls, and every `??` on a setting (`settings.x`, `props.x`). */
export function defaultsAndFallbacks(text: string, file = 'x.ts'): { defaults: Set<string>; fallbacks: { key: string; right: string; line: number }[] } {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const defaults = new Set<string>();
  const fallbacks: { key: string; right: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && (node.name.text === 'default' || node.name.text === 'fallback')) {
      defaults.add(norm(node.initializer));
      // `fallback: defaultPools` fills what `?? defaultPools()` would.
      if (node.name.text === 'fallback' && ts.isIdentifier(node.initializer)) defaults.add(`${node.initializer.text}()`);
      // `fallback: () => X` fills X.
      if (ts.isArrowFunction(node.initializer) && !ts.isBlock(node.initializer.body)) defaults.add(norm(node.initializer.body));
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) {
      const left = node.left;
      if (ts.isPropertyAccessExpression(left) && /(^|\.)(settings|props)$/.test(left.expression.getText())) {
        fallbacks.push({ key: left.name.text, right: norm(node.right), line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { defaults, fallbacks };
}

describe('add-on defaults have one owner, the settings schema', () => {
  it('no `??` in charts/ falls back to a value that is also a schema default of the same file', () => {
    const repeats = tsFiles(CHARTS).flatMap((file) => {
      const { defaults, fallbacks } = defaultsAndFallbacks(readFileSync(file, 'utf8'), file);
      return fallbacks.filter((f) => defaults.has(f.right)).map((f) => `${relative(PROJECT_ROOT, file)}:${f.line}: ${f.key} ?? ${f.right}`);
    });
    expect(repeats).toEqual([]);
  });

  it('no hook falls back on a setting the schema fills (`settings.x ??` / `props.x ??` for a key with a default)', () => {
    const files = tsFiles(CHARTS).map((file) => ({ file, text: readFileSync(file, 'utf8') }));
    const repeats: string[] = [];
    for (const addon of ADDONS) {
      const home = files.find((f) => f.text.includes(`id: '${addon.id}'`));
      expect(home, addon.id).toBeTruthy();
      const filledKeys = Object.entries(addon.settings ?? {})
        .filter(([, schema]) => (schema as { fallback?: () => unknown }).fallback?.() !== undefined)
        .map(([key]) => key);
      const { fallbacks } = defaultsAndFallbacks(home!.text, home!.file);
      for (const f of fallbacks) if (filledKeys.includes(f.key)) repeats.push(`${addon.id}: ${relative(PROJECT_ROOT, home!.file)}:${f.line}: ${f.key} ?? ${f.right}`);
    }
    expect(repeats).toEqual([]);
  });

  it('catches the duplicates this rule removed', () => {
    const old = `
      const s = { cpu: optional(str({ oneOf: C, default: '1' })), pools: { ...p, fallback: defaultPools }, ns: list(n, { default: [] }) };
      const a = settings.cpu ?? "1"; const b = props.pools ?? defaultPools(); const c = props.ns ?? []; const d = props.name ?? \`\${x}-y\`;`;
    const { defaults, fallbacks } = defaultsAndFallbacks(old);
    expect(fallbacks.filter((f) => defaults.has(f.right)).map((f) => f.key)).toEqual(['cpu', 'pools', 'ns']);
  });
});
