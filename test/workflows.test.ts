/**
 * Issue 13, finding 9: in .github/workflows/*.yml, a job that holds a write token runs no repository code. Every
 * job's effective permissions (its own, else the workflow's) are computed; a job with any `write` permission may
 * only use the allowed actions (checkout, download-artifact) and run no npm, npx, node, tsx or repository script.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.ts';

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Job = { permissions?: Record<string, string> | string; steps?: Step[]; needs?: string | string[] };
type Workflow = { permissions?: Record<string, string> | string; jobs: Record<string, Job> };

const DIR = join(PROJECT_ROOT, '.github', 'workflows');
const workflows = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => ({ file: f, wf: load(readFileSync(join(DIR, f), 'utf8')) as Workflow }));

/** Actions a job with a write token may use: they fetch files, they run nothing from the repository. */
const WRITE_JOB_ACTIONS = new Set(['actions/checkout', 'actions/download-artifact']);
/** A command that runs repository code or installs packages (whose scripts and code are not trusted). */
const RUNS_CODE = /(^|[\s;&|(`$])(npm|npx|node|tsx|yarn|pnpm|bun|deno|make|bash\s+\S*\.sh|sh\s+\S*\.sh|\.\/\S+|bin\/\S+|scripts\/\S+)(\s|$)/m;

function writes(p: Job['permissions']): string[] {
  if (p === 'write-all') return ['all'];
  if (p === undefined || typeof p === 'string') return [];
  return Object.entries(p).filter(([, v]) => v === 'write').map(([k]) => k);
}

/** Problems of one workflow: write-token jobs that run code, and actions not pinned by commit SHA. */
function trustProblems(file: string, wf: Workflow): string[] {
  const out: string[] = [];
  for (const [name, job] of Object.entries(wf.jobs)) {
    const perms = writes(job.permissions ?? wf.permissions ?? 'write-all');
    for (const [i, step] of (job.steps ?? []).entries()) {
      const where = `${file}: jobs.${name}.steps[${i}]${step.name ? ` (${step.name})` : ''}`;
      if (step.uses && !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(step.uses)) out.push(`${where}: ${step.uses} is not pinned by a full commit SHA`);
      if (perms.length === 0) continue;
      if (step.uses && !WRITE_JOB_ACTIONS.has(step.uses.replace(/@.*$/, ''))) out.push(`${where}: uses ${step.uses} in a job with write permission (${perms.join(', ')})`);
      if (step.run && RUNS_CODE.test(step.run)) out.push(`${where}: runs repository code or a package manager (${RUNS_CODE.exec(step.run)![2]}) in a job with write permission (${perms.join(', ')})`);
    }
  }
  return out;
}

describe('workflows: the job holding a write token runs no repository code', () => {
  it('finds the workflows', () => {
    expect(workflows.map((w) => w.file).sort()).toEqual(['platform.yml', 'renovate-dist.yml']);
  });

  it.each(workflows)('$file', ({ file, wf }) => {
    expect(trustProblems(file, wf)).toEqual([]);
  });

  it('catches the layout of the issue: npm ci and the synth in the job that gets pull-requests: write', () => {
    const old: Workflow = {
      permissions: { contents: 'read' },
      jobs: {
        diff: {
          permissions: { contents: 'read', 'pull-requests': 'write' },
          steps: [{ uses: 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8' }, { uses: 'actions/setup-node@v5' }, { run: 'npm ci' }, { name: 'post', run: 'gh api -F body=@diff.md' }],
        },
        other: { steps: [{ run: 'node x.js' }] },
      },
    };
    expect(trustProblems('old.yml', old)).toEqual([
      'old.yml: jobs.diff.steps[1]: actions/setup-node@v5 is not pinned by a full commit SHA',
      'old.yml: jobs.diff.steps[1]: uses actions/setup-node@v5 in a job with write permission (pull-requests)',
      'old.yml: jobs.diff.steps[2]: runs repository code or a package manager (npm) in a job with write permission (pull-requests)',
    ]);
  });

  it('hands the diff over as an artifact: the comment job downloads what the read-only job uploaded, and installs skip scripts', () => {
    const platform = workflows.find((w) => w.file === 'platform.yml')!.wf;
    expect(platform.jobs.comment.needs).toBe('diff');
    expect(writes(platform.jobs.diff.permissions)).toEqual([]);
    expect(platform.jobs.comment.steps!.map((s) => s.uses?.replace(/@.*/, '') ?? 'run')).toEqual(['actions/download-artifact', 'run']);
    for (const { wf } of workflows) {
      for (const job of Object.values(wf.jobs)) for (const s of job.steps ?? []) if (s.run && /\bnpm ci\b/.test(s.run)) expect(s.run).toContain('--ignore-scripts');
    }
  });
});
