import { join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../cli.ts';
import { PROJECT_ROOT, upstreamDir } from '../paths.ts';

interface ValidateArgs extends GlobalArgs {
  readonly dir: string;
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
      .example('$0 validate dist/dev --schema-location pinned', 'one cluster, schemas downloaded from the pinned URLs')
      .example('$0 validate --engine kubeconform', 'strict schemas by kubeconform (KUBECONFORM or PATH)') as Argv<ValidateArgs>,
  // The CLI passes a returned number on as the exit code (see cli.ts); yargs' type only knows void.
  handler: (async (args: ValidateArgs): Promise<number> => {
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
    const result = await validateTree({
      root: resolve(args.dir),
      configDir: resolve(PROJECT_ROOT, args.config),
      source,
      registry,
      kubernetesVersion: args['kubernetes-version'],
      skipSchemas: kubeconform,
    });
    for (const p of result.problems) console.log(formatProblem(p));

    let kubeconformCode = 0;
    if (kubeconform) {
      const { writeKubeconformSchemas, runKubeconform } = await import('../validate/kubeconform.ts');
      const runs = await writeKubeconformSchemas(result.clusters, registry, join(cacheDir, 'kubeconform'), args['kubernetes-version']);
      for (const run of runs) {
        console.log(`kubeconform (Kubernetes ${run.version} schemas):`);
        const code = runKubeconform(join(PROJECT_ROOT, 'bin', 'kubeconform.js'), run.args);
        if (code !== 0) kubeconformCode = code;
      }
    }
    const clusters = result.clusters.filter((c) => c.name).length;
    const n = result.problems.length;
    console.log(
      `validate: ${clusters} clusters, ${result.files} files, ${result.objects} objects: ${n} ${n === 1 ? 'problem' : 'problems'}` +
        `${kubeconform ? `, kubeconform ${kubeconformCode === 0 ? 'passed' : `failed (exit ${kubeconformCode})`}` : ''}` +
        ` in ${Math.round(result.ms.total)} ms (schemas ${Math.round(result.ms.schemas)} ms; source ${source.description})`,
    );
    return n > 0 || kubeconformCode !== 0 ? 1 : 0;
  }) as unknown as CommandModule<GlobalArgs, ValidateArgs>['handler'],
};
