import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from './common.ts';
import { PROJECT_ROOT, upstreamDir } from '../paths.ts';
import { progress } from '../progress.ts';

const ALLOWED_DIRS = 'dist/, one cluster folder such as dist/dev, or a folder of rendered YAML';

/** A bad argument, reported in one line and exit code 2 (usage). */
class UsageProblem extends Error {}

/**
 * The folders to validate: `dir` itself, or with `--cluster` its `<name>` subfolders.
 * @throws UsageProblem when a folder does not exist, naming it and what is allowed.
 */
export function validateRoots(dir: string, clusters: readonly string[]): string[] {
  const shown = relative(process.cwd(), resolve(dir)) || dir;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageProblem(`validate: ${shown}: no such folder; allowed: ${ALLOWED_DIRS}`);
  if (clusters.length === 0) return [resolve(dir)];
  const present = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_')).map((e) => e.name);
  for (const name of clusters) {
    if (!present.includes(name)) throw new UsageProblem(`validate: --cluster ${name}: no folder ${join(shown, name)}; allowed: ${present.join(', ') || '(no cluster folders; run npm run synth)'}`);
  }
  return clusters.map((name) => resolve(dir, name));
}

interface ValidateArgs extends GlobalArgs {
  readonly dir: string;
  readonly cluster: string[];
  readonly 'schema-location': string[];
  readonly upstream?: string;
  readonly 'cache-dir': string;
  readonly 'kubernetes-version'?: string;
  readonly engine: 'builtin' | 'kubeconform';
}

export const validateCommand: CommandModule<GlobalArgs, ValidateArgs> = {
  command: 'validate [dir]',
  describe: 'Check everything rendered: strict schemas, Helm values, AppProject preflight, security baseline',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('dir', { type: 'string', default: 'dist', describe: 'dist/, one cluster folder, or any folder of rendered YAML' })
      .option('cluster', { type: 'string', array: true, default: [] as string[], describe: "Only this cluster's folder under dir (repeatable)" })
      .option('schema-location', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'Upstream data: a folder (like ../shared/upstream), "pinned" (the pinned upstream URLs), or a mirror URL; repeatable, first match wins. Default: --upstream',
      })
      .option('upstream', { type: 'string', describe: 'Folder of the pinned upstream data (default $PLATFORM_UPSTREAM, else ../shared/upstream)' })
      .option('cache-dir', { type: 'string', default: join(PROJECT_ROOT, '.cache'), describe: 'Compiled schemas, downloads and kubeconform schemas' })
      .option('kubernetes-version', { type: 'string', describe: 'Check built-ins against this version instead of each cluster\'s kubernetesVersion' })
      .option('engine', { choices: ['builtin', 'kubeconform'] as const, default: 'builtin' as const, describe: 'Schema engine; the other checks always run' })
      .example('$0 validate', 'validate dist/ of every cluster')
      .example('$0 validate --cluster dev', 'only dist/dev/')
      .example('$0 validate --cluster dev --schema-location pinned', 'one cluster, schemas downloaded from the pinned URLs')
      .example('$0 validate --engine kubeconform', 'strict schemas by kubeconform (KUBECONFORM or PATH)') as Argv<ValidateArgs>,
  // The CLI passes a returned number on as the exit code (see cli.ts); yargs' type only knows void.
  handler: (async (args: ValidateArgs): Promise<number> => {
    let roots: string[];
    try {
      roots = validateRoots(args.dir, args.cluster);
    } catch (err) {
      if (!(err instanceof UsageProblem)) throw err;
      console.error(err.message);
      return 2;
    }
    const { schemaSource } = await import('../validate/sources.ts');
    const { SchemaRegistry } = await import('../validate/schemas.ts');
    const { validateTree } = await import('../validate/engine.ts');
    const { formatProblem } = await import('../validate/problems.ts');
    const cacheDir = resolve(args['cache-dir']);
    const upstream = upstreamDir(args.upstream ? ['--upstream', args.upstream] : []);
    const { projectSource } = await import('../upstream/pin.ts');
    const source = projectSource(PROJECT_ROOT, schemaSource({ locations: args['schema-location'], upstream, cacheDir: join(cacheDir, 'upstream') }));
    const registry = new SchemaRegistry(source, { cacheDir: join(cacheDir, 'validate') });
    const kubeconform = args.engine === 'kubeconform';
    const shown = (root: string) => relative(process.cwd(), root) || root;
    const status = progress('validate', { quiet: args.quiet });
    const results = [];
    for (const root of roots) {
      // A cold run compiles the pinned schemas first (several seconds); the line says what is being checked.
      status.step(`checking ${shown(root)}/`);
      results.push(
        await validateTree({ root, configDir: resolve(PROJECT_ROOT, args.config), source, registry, kubernetesVersion: args['kubernetes-version'], skipSchemas: kubeconform }),
      );
    }
    status.done();
    const result = {
      problems: results.flatMap((r) => r.problems),
      clusters: results.flatMap((r) => r.clusters),
      files: results.reduce((n, r) => n + r.files, 0),
      objects: results.reduce((n, r) => n + r.objects, 0),
      ms: { total: results.reduce((n, r) => n + r.ms.total, 0), schemas: results.reduce((n, r) => n + r.ms.schemas, 0) },
    };
    const objects = result.clusters.flatMap((c) => c.objects);
    if (objects.length > 0 && !objects.some((o) => typeof o.object.apiVersion === 'string' && typeof o.object.kind === 'string')) {
      // E.g. `validate config`: YAML, but no Kubernetes object in it; one line instead of one problem per file.
      console.error(`validate: ${roots.map(shown).join(', ')}: not rendered output (no file has apiVersion and kind); allowed: ${ALLOWED_DIRS}`);
      return 2;
    }
    for (const p of result.problems) console.log(formatProblem(p));

    let kubeconformCode = 0;
    if (kubeconform) {
      const { writeKubeconformSchemas, runKubeconform } = await import('../validate/kubeconform.ts');
      const runs = await writeKubeconformSchemas(result.clusters, registry, join(cacheDir, 'kubeconform'), args['kubernetes-version']);
      for (const run of runs) {
        if (!args.quiet) console.log(`kubeconform (Kubernetes ${run.version} schemas):`);
        const code = runKubeconform(join(PROJECT_ROOT, 'bin', 'kubeconform.js'), run.args);
        if (code !== 0) kubeconformCode = code;
      }
    }
    const clusters = result.clusters.filter((c) => c.name).length;
    const n = result.problems.length;
    if (!args.quiet) {
      console.log(
        `validate: ${clusters} ${clusters === 1 ? 'cluster' : 'clusters'}, ${result.files} files, ${result.objects} objects: ${n} ${n === 1 ? 'problem' : 'problems'}` +
          `${kubeconform ? `, kubeconform ${kubeconformCode === 0 ? 'passed' : `failed (exit ${kubeconformCode})`}` : ''}` +
          ` in ${Math.round(result.ms.total)} ms (schemas ${Math.round(result.ms.schemas)} ms; source ${source.description})`,
      );
    }
    return n > 0 || kubeconformCode !== 0 ? 1 : 0;
  }) as unknown as CommandModule<GlobalArgs, ValidateArgs>['handler'],
};
