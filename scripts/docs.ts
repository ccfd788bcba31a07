/**
 * `npm run docs`: regenerates docs/addons/ (the generated blocks) and schema/*.json from the code;
 * `npm run docs -- --check` only reports stale files and exits 1 (CI runs it). See src/docs/generate.ts.
 */
import { hideBin } from 'yargs/helpers';
import { scriptCli } from '../src/cli.ts';

const args = await scriptCli(hideBin(process.argv), 'docs', 'Regenerate the add-on reference pages (docs/addons/) and the editor schemas (schema/*.json) from the code.')
  .option('check', { type: 'boolean', default: false, describe: 'Write nothing; exit 1 when a generated file is stale' })
  .option('quiet', { type: 'boolean', default: false, describe: 'Print only problems' })
  .example('npm run docs', 'rewrite what changed')
  .example('npm run docs -- --check', 'fail when docs/ or schema/ is stale (CI)')
  .parseAsync();

try {
  const { generateDocs } = await import('../src/docs/generate.ts');
  const { ADDONS } = await import('../charts/registry.ts');
  const { PROJECT_ROOT } = await import('../src/paths.ts');
  const result = generateDocs({ root: PROJECT_ROOT, addons: ADDONS }, { check: args.check });
  if (args.check) {
    for (const f of result.stale) console.error(`${f}: stale; run npm run docs and commit it`);
    if (!args.quiet || result.stale.length) console.log(`docs: ${result.files.length} files, ${result.stale.length} stale`);
    process.exitCode = result.stale.length > 0 ? 1 : 0;
  } else if (!args.quiet) {
    console.log(`docs: ${result.files.length} files, ${result.stale.length} written${result.stale.length ? `: ${result.stale.join(', ')}` : ''}`);
  }
} catch (err) {
  console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
