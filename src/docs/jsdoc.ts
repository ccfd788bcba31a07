/**
 * Reads the meaning of config keys from the JSDoc the code already carries, so generated docs and editor hovers say
 * what the source says (one owner per sentence): the comments on the keys of a schema object literal
 * (config/cluster.ts) and on the members of an add-on's props interface (charts/**). Parsing only (TypeScript's
 * parser, no type checker): a few milliseconds per file.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface KeyDoc {
  /** The comment's text, whitespace collapsed, without tags. '' when the key has only tags. */
  readonly text: string;
  /** The `@default` tag's text, when present. */
  readonly default?: string;
}

/**
 * Key path → its JSDoc. Paths join object keys with `.`, list items as `[]` and map values as `.*`, matching
 * `settingRows` in addon-pages.ts, e.g. `pools.*.disruption.budgets` or `customRoles[].name`.
 */
export type KeyDocs = ReadonlyMap<string, KeyDoc>;

const sources = new Map<string, ts.SourceFile>();

function parse(file: string): ts.SourceFile {
  let source = sources.get(file);
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    sources.set(file, source);
  }
  return source;
}

function docOf(node: ts.Node): KeyDoc | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  if (docs.length === 0) return undefined;
  const jsdoc = docs[docs.length - 1];
  const clean = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const defaultTag = jsdoc.tags?.find((t) => t.tagName.text === 'default');
  return {
    text: clean(ts.getTextOfJSDocComment(jsdoc.comment)),
    ...(defaultTag ? { default: clean(ts.getTextOfJSDocComment(defaultTag.comment)) } : {}),
  };
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/**
 * The object literal a schema expression is built from: `obj({...})`, `optional(obj({...}))`, `{...} satisfies X`,
 * a variable of the same file holding one, or `{ ...schema, fallback }` (a schema with another default).
 */
function objectLiteralOf(expr: ts.Expression, source: ts.SourceFile, depth = 0): { literal: ts.ObjectLiteralExpression; suffix: string } | undefined {
  if (depth > 10) return undefined;
  if (ts.isObjectLiteralExpression(expr)) {
    const spread = expr.properties.find(ts.isSpreadAssignment);
    return spread ? objectLiteralOf(spread.expression, source, depth + 1) : { literal: expr, suffix: '' };
  }
  if (ts.isSatisfiesExpression(expr) || ts.isAsExpression(expr) || ts.isParenthesizedExpression(expr)) return objectLiteralOf(expr.expression, source, depth + 1);
  if (ts.isIdentifier(expr)) {
    const init = variableInitializer(source, expr.text);
    return init && objectLiteralOf(init, source, depth + 1);
  }
  if (ts.isCallExpression(expr) && expr.arguments.length > 0) {
    const callee = ts.isIdentifier(expr.expression) ? expr.expression.text : '';
    const inner = objectLiteralOf(expr.arguments[0], source, depth + 1);
    if (!inner) return undefined;
    // list(obj({...})) documents the items; mapOf(obj({...})) the values.
    const step = callee === 'list' ? '[]' : callee === 'mapOf' ? '.*' : '';
    return { literal: inner.literal, suffix: step + inner.suffix };
  }
  return undefined;
}

function variableInitializer(source: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const decl of statement.declarationList.declarations) {
      if (ts.isIdentifier(decl.name) && decl.name.text === name && decl.initializer) return decl.initializer;
    }
  }
  return undefined;
}

function walkLiteral(literal: ts.ObjectLiteralExpression, prefix: string, source: ts.SourceFile, out: Map<string, KeyDoc>): void {
  for (const prop of literal.properties) {
    const isShorthand = ts.isShorthandPropertyAssignment(prop);
    if (!ts.isPropertyAssignment(prop) && !isShorthand) continue;
    const name = propertyName(prop.name);
    if (name === undefined) continue;
    const path = prefix ? `${prefix}.${name}` : name;
    const doc = docOf(prop);
    if (doc && !out.has(path)) out.set(path, doc);
    const inner = objectLiteralOf(isShorthand ? prop.name : prop.initializer, source);
    if (inner) walkLiteral(inner.literal, path + inner.suffix, source, out);
  }
}

/**
 * JSDoc of the keys of the schema object literal assigned to `variable` in `file` (nested `obj({...})` included).
 * @throws Error when `file` has no such variable initialized with an object literal.
 */
export function schemaKeyDocs(file: string, variable: string): KeyDocs {
  const out = new Map<string, KeyDoc>();
  let found = false;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === variable && node.initializer) {
      const inner = objectLiteralOf(node.initializer, source);
      if (inner) {
        found = true;
        walkLiteral(inner.literal, '', source, out);
      }
    }
    ts.forEachChild(node, visit);
  };
  const source = parse(file);
  visit(source);
  if (!found) throw new Error(`${file}: no schema object literal named ${variable}`);
  return out;
}

function findInterface(files: readonly string[], name: string): ts.InterfaceDeclaration | undefined {
  for (const file of files) {
    const hit = parse(file).statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
    if (hit) return hit;
  }
  return undefined;
}

/** The interface or inline type a member's type names, and the path step to it (`[]` for lists, `.*` for maps). */
function innerType(type: ts.TypeNode | undefined, files: readonly string[]): { members: ts.NodeArray<ts.TypeElement>; suffix: string } | undefined {
  if (!type) return undefined;
  if (ts.isTypeOperatorNode(type) || ts.isParenthesizedTypeNode(type)) return innerType(type.type, files);
  if (ts.isArrayTypeNode(type)) {
    const inner = innerType(type.elementType, files);
    return inner && { members: inner.members, suffix: `[]${inner.suffix}` };
  }
  if (ts.isTypeLiteralNode(type)) {
    const index = type.members.find(ts.isIndexSignatureDeclaration);
    if (index) {
      const inner = innerType(index.type, files);
      return inner && { members: inner.members, suffix: `.*${inner.suffix}` };
    }
    return { members: type.members, suffix: '' };
  }
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
    const name = type.typeName.text;
    const args = type.typeArguments ?? [];
    if ((name === 'Readonly' || name === 'Partial') && args.length === 1) return innerType(args[0], files);
    if ((name === 'ReadonlyArray' || name === 'Array') && args.length === 1) return innerType(ts.factory.createArrayTypeNode(args[0]), files);
    if (name === 'Record' && args.length === 2) {
      const inner = innerType(args[1], files);
      return inner && { members: inner.members, suffix: `.*${inner.suffix}` };
    }
    const decl = findInterface(files, name);
    return decl && { members: decl.members, suffix: '' };
  }
  return undefined;
}

function walkMembers(members: ts.NodeArray<ts.TypeElement>, prefix: string, files: readonly string[], out: Map<string, KeyDoc>, depth: number): void {
  for (const member of members) {
    if (!ts.isPropertySignature(member)) continue;
    const name = propertyName(member.name);
    if (name === undefined) continue;
    const path = prefix ? `${prefix}.${name}` : name;
    const doc = docOf(member);
    if (doc) out.set(path, doc);
    const inner = depth < 6 ? innerType(member.type, files) : undefined;
    if (inner) walkMembers(inner.members, path + inner.suffix, files, out, depth + 1);
  }
}

/**
 * JSDoc of the settings of the add-on `id`: the members of its props interface (the type argument of its
 * `defineAddon<Props>({ id: '<id>', … })` call, looked up with the interfaces its members name in `files`), then
 * the comments on its `settings` schema literals (followed through variables of the same file). Empty when the
 * add-on has no props interface.
 */
export function addonPropsDocs(files: readonly string[], id: string): KeyDocs {
  const out = new Map<string, KeyDoc>();
  for (const file of files) {
    let propsName: string | undefined;
    let settings: ts.Expression | undefined;
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'defineAddon' &&
        node.typeArguments?.length === 1 &&
        node.arguments[0] &&
        ts.isObjectLiteralExpression(node.arguments[0])
      ) {
        const idProp = node.arguments[0].properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyName(p.name) === 'id');
        const typeArg = node.typeArguments[0];
        if (idProp && ts.isStringLiteral(idProp.initializer) && idProp.initializer.text === id && ts.isTypeReferenceNode(typeArg) && ts.isIdentifier(typeArg.typeName)) {
          propsName = typeArg.typeName.text;
          const prop = node.arguments[0].properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyName(p.name) === 'settings');
          settings = prop?.initializer;
        }
      }
      if (!propsName) ts.forEachChild(node, visit);
    };
    const source = parse(file);
    visit(source);
    if (propsName) {
      const decl = findInterface([file, ...files], propsName);
      if (decl) walkMembers(decl.members, '', [file, ...files], out, 0);
      // Nested keys are often documented on the schema literals themselves (e.g. a node pool's keys).
      const literal = settings && ts.isObjectLiteralExpression(settings) ? settings : undefined;
      if (literal) walkLiteral(literal, '', source, out);
      return out;
    }
  }
  return out;
}

/** The JSDoc text of the function `name` declared in `file` (e.g. an IAM policy's upstream source), or ''. */
export function functionDoc(file: string, name: string): string {
  const decl = parse(file).statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === name);
  return decl ? (docOf(decl)?.text ?? '') : '';
}
