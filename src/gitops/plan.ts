/**
 * `bootstrap gitops`: what connects a freshly deployed cluster to git. For `argocd.mode: in-cluster` it installs
 * Argo CD once with Helm, exactly as the committed self-managed Application renders it (chart, repo, version,
 * values, release name, namespace), so Argo CD's first sync of itself changes nothing; then it applies the root
 * AppProject and root Application. Helm and kubectl rather than the Kubernetes JS client: only Helm renders the
 * chart (templates, hooks, the redis-ha dependency) as Argo CD's repo server does, and kubectl brings EKS auth
 * (the kubeconfig's `aws eks get-token`) without adding the AWS SDK token code or a client library.
 * Other modes install nothing: the plan explains what applies instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { load } from 'js-yaml';
import { argocdApplicationName } from '../../apps/argocd-application.ts';
import { rootProjectName } from '../../apps/app-project.ts';
import { rootApplicationName } from '../../apps/root-application.ts';
import type { Cluster } from '../../config/cluster.ts';
import { isMap } from '../../config/merge.ts';
import { fileName } from '../manifest-files.ts';

/** The dist/ file name of an object, as the renderer names it (src/manifest-files.ts). */
const distFile = (kind: string, namespace: string, name: string) => fileName({ apiVersion: '', kind, metadata: { name, namespace } });
import { renderCluster } from '../render.ts';

/** Thrown for anything that stops the command before or while it runs; the message is one line. */
export class GitopsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitopsError';
  }
}

export type Tool = 'helm' | 'kubectl';

export interface GitopsStep {
  /** What the step does, for the log and for errors. */
  readonly title: string;
  readonly tool: Tool;
  readonly args: readonly string[];
  /** Written to the tool's standard input. @default nothing */
  readonly stdin?: string;
  /** Says what `stdin` holds, for `--dry-run`. @default none */
  readonly stdinFrom?: string;
  /** Checks the step's captured output; returns why it is wrong, or undefined. @default output is shown, not checked */
  readonly check?: (stdout: string) => string | undefined;
  /** Hint appended when the step fails. @default none */
  readonly hint?: string;
}

export type GitopsPlan =
  | { readonly kind: 'install'; readonly steps: readonly GitopsStep[] }
  | { readonly kind: 'explain'; readonly lines: readonly string[] };

export interface GitopsPlanOptions {
  /** Folder holding `<cluster>/` (the committed output). */
  readonly outDir: string;
  /** kubeconfig context to use. @default the current context */
  readonly kubeContext?: string;
  /** How long Helm waits for Argo CD to be ready, as a Go duration. @default "15m" */
  readonly timeout?: string;
}

/** A committed file of the cluster, checked against a fresh render so that what is applied is what was reviewed. */
function committed(cluster: Cluster, outDir: string, fresh: ReadonlyMap<string, string>, path: string): { file: string; text: string } {
  const file = join(outDir, cluster.name, path);
  const shown = relative(process.cwd(), file) || file;
  const expected = fresh.get(path);
  if (expected === undefined) throw new GitopsError(`${cluster.files.config} renders no ${path}; allowed: a cluster whose argocd.mode renders it`);
  if (!existsSync(file)) throw new GitopsError(`${shown} does not exist; run \`npm run synth\` and commit it first`);
  const text = readFileSync(file, 'utf8');
  if (text !== expected) throw new GitopsError(`${shown} is stale (it differs from what ${cluster.files.config} renders); run \`npm run synth\`, review and commit it first`);
  return { file: shown, text };
}

/** The steps for `cluster`, or what applies instead when this repository does not install its Argo CD. */
export function gitopsPlan(cluster: Cluster, options: GitopsPlanOptions): GitopsPlan {
  const ns = cluster.argocd.namespace;
  const rootProject = `apps/${distFile('AppProject', ns, rootProjectName(cluster))}`;
  const rootApp = `bootstrap/${distFile('Application', ns, rootApplicationName(cluster))}`;
  const show = (path: string) => join(relative(process.cwd(), options.outDir) || '.', cluster.name, path);
  if (cluster.argocd.mode !== 'in-cluster') {
    const cm = `bootstrap/${distFile('ConfigMap', ns, 'argocd-cm')}`;
    const apply = `kubectl apply --server-side -f ${show(rootProject)} -f ${show(rootApp)}`;
    return {
      kind: 'explain',
      lines: cluster.argocd.mode === 'management'
        ? [
            `${cluster.name}: argocd.mode is "management": Argo CD runs on the management cluster, so nothing is installed here.`,
            `- With config/fleet.yaml, the fleet ApplicationSet creates the root Application on the management cluster; otherwise run there: ${apply}`,
            `- The management Argo CD needs the Application health check in its argocd-cm (${show(cm)}; a self-managed Argo CD of this repository already carries it) and the cluster Secret (bootstrap/argocd-cluster-secret.json or the fleet's).`,
          ]
        : [
            `${cluster.name}: argocd.mode is "${String(cluster.argocd.mode)}": this repository does not install Argo CD there, so nothing is installed.`,
            `- Apply the root AppProject and Application where that Argo CD reads them: ${apply}`,
          ],
    };
  }

  const fresh = renderCluster(cluster).files;
  const app = committed(cluster, options.outDir, fresh, `apps/${distFile('Application', ns, argocdApplicationName(cluster))}`);
  const project = committed(cluster, options.outDir, fresh, rootProject);
  const root = committed(cluster, options.outDir, fresh, rootApp);
  const spec = (load(app.text) as { spec: { source: Record<string, unknown>; destination: { namespace: string } } }).spec;
  const helm = isMap(spec.source.helm) ? spec.source.helm : {};
  const values = isMap(helm.valuesObject) ? helm.valuesObject : {};
  const release = String(helm.releaseName);
  const context = (flag: string) => (options.kubeContext ? [flag, options.kubeContext] : []);
  const where = options.kubeContext ? `kubeconfig context ${options.kubeContext}` : 'the current kubeconfig context';
  const kubeconfigHint = `point ${where} at cluster ${cluster.name} (\`aws eks update-kubeconfig --name ${cluster.name} --region ${cluster.aws.region}\`) over a network path to its private endpoint`;
  const endpoint = cluster.facts.clusterEndpoint;

  return {
    kind: 'install',
    steps: [
      {
        title: `check that ${where} is cluster ${cluster.name}`,
        tool: 'kubectl',
        args: ['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}', ...context('--context')],
        // Installing into the wrong cluster is the one mistake this command could make; the endpoint is a fact.
        check: (server) => (!endpoint || server.trim().replace(/\/+$/, '').toLowerCase() === endpoint.replace(/\/+$/, '').toLowerCase() ? undefined : `${where} points at ${server.trim() || '(no server)'}, not at ${endpoint} (clusterEndpoint in ${cluster.files.facts ?? 'the facts'})`),
        hint: kubeconfigHint,
      },
      {
        title: `check that the API server of ${cluster.name} answers`,
        tool: 'kubectl',
        args: ['get', '--raw', '/readyz', '--request-timeout=20s', ...context('--context')],
        hint: kubeconfigHint,
      },
      {
        title: `install or upgrade Argo CD (chart ${String(spec.source.chart)} ${String(spec.source.targetRevision)}, release ${release} in namespace ${spec.destination.namespace}) and wait until it is ready`,
        tool: 'helm',
        args: [
          'upgrade', '--install', release, String(spec.source.chart),
          '--repo', String(spec.source.repoURL),
          '--version', String(spec.source.targetRevision),
          '--namespace', spec.destination.namespace, '--create-namespace',
          '--values', '-',
          '--wait', '--timeout', options.timeout ?? '15m',
          ...context('--kube-context'),
        ],
        // JSON is YAML: Helm reads exactly the committed valuesObject.
        stdin: `${JSON.stringify(values, null, 2)}\n`,
        stdinFrom: `spec.source.helm.valuesObject of ${app.file}`,
        hint: 'Argo CD\'s pods run on Fargate before any node exists: check the Fargate profile selects its namespace (`kubectl get pods -n ' + ns + '`)',
      },
      {
        title: 'apply the root AppProject and root Application',
        tool: 'kubectl',
        args: ['apply', '--server-side', '--field-manager=eks-platform-bootstrap', '-f', project.file, '-f', root.file, ...context('--context')],
      },
    ],
  };
}
