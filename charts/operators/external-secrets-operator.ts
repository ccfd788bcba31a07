/**
 * External Secrets Operator: syncs values from AWS SSM Parameter Store into Kubernetes Secrets. One
 * ClusterSecretStore reads only the cluster's application prefix (`/<cluster>/apps`, enforced by the IAM policy of
 * its role) and serves only the namespaces allowed in config; echo-server's ExternalSecret proves it end to end.
 * Chart: external-secrets 2.9.0 from https://charts.external-secrets.io (values checked against its
 * values.schema.json and values.yaml). This release serves only the `external-secrets.io/v1` API.
 */
import type { Construct } from 'constructs';
import {
  ClusterSecretStore,
  ClusterSecretStoreSpecProviderAwsService,
  ClusterSecretStoreSpecRefreshInterval,
} from '../../imports/external-secrets-clustersecretstore-external-secrets.io.ts';
import {
  ExternalSecret,
  ExternalSecretSpecDataRemoteRefConversionStrategy,
  ExternalSecretSpecDataRemoteRefDecodingStrategy,
  ExternalSecretSpecDataRemoteRefMetadataPolicy,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/external-secrets-externalsecret-external-secrets.io.ts';
import type { Cluster } from '../../config/cluster.ts';
import { appParameterPrefix, SERVICE_ACCOUNTS, type AwsIdentity } from '../../config/naming.ts';
import { int, list, str, type Problem } from '../../config/schema.ts';
import { defineAddon, NEEDS_NODES } from '../addon.ts';
import { CLUSTER_RBAC, CRD, irsaServiceAccount, KEEP_ANNOTATIONS, requiredValueProblems, VALIDATING_WEBHOOK, zoneSpread, type RequiredValue } from '../common.ts';

/** The operator's settings as the hooks get them: every default is filled in from the `settings` schema below, its one owner. */
export interface ExternalSecretsOperatorProps {
  /** Replicas of the controller, the webhook and the cert-controller; 2 or more add leader election and PDBs. */
  readonly replicas: number;
  /** Namespaces whose ExternalSecrets may use the ClusterSecretStore. */
  readonly allowedNamespaces: readonly string[];
  /** How often the echo-server ExternalSecret re-reads its parameter (a Go duration). */
  readonly refreshInterval: string;
}

const NAME = 'external-secrets';
const SA = SERVICE_ACCOUNTS['external-secrets'];
/** The ClusterSecretStore every allowed namespace uses. */
export const PARAMETER_STORE = 'aws-parameter-store';

/** The echo-server contract (see the echo-server add-on): namespace, Secret and key it reads `ECHO_MESSAGE` from. */
export const ECHO_SERVER = { namespace: 'echo-server', secret: 'echo-server-config', key: 'message' } as const;

/** The SSM parameter echo-server's message comes from. */
export function echoMessageParameter(cluster: Pick<AwsIdentity, 'name'>): string {
  return `${appParameterPrefix(cluster)}/echo-server/message`;
}

const res = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

export function externalSecretsValues(cluster: Pick<Cluster, 'name' | 'aws' | 'facts'>, props: Pick<ExternalSecretsOperatorProps, 'replicas'>): Record<string, unknown> {
  const { replicas } = props;
  const ha = replicas > 1;
  const pdb = { enabled: ha, minAvailable: 1 };
  const selector = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': NAME });
  return {
    // The chart templates the CRDs (v1 only; conversion stays off), so Argo CD installs and upgrades them with the chart.
    installCRDs: true,
    // Removing the add-on must not delete the CRDs: every ExternalSecret would go, and its Secret with it (Owner policy).
    crds: { annotations: { ...KEEP_ANNOTATIONS } },
    replicaCount: replicas,
    leaderElect: ha,
    serviceAccount: irsaServiceAccount(cluster, 'external-secrets'),
    podDisruptionBudget: pdb,
    resources: res('20m', '64Mi', '500m', '256Mi'),
    topologySpreadConstraints: zoneSpread(selector(NAME)),
    webhook: {
      replicaCount: replicas,
      podDisruptionBudget: pdb,
      resources: res('10m', '32Mi', '200m', '128Mi'),
      topologySpreadConstraints: zoneSpread(selector(`${NAME}-webhook`)),
    },
    certController: {
      replicaCount: replicas,
      // Only one replica may rotate the webhook certificate; the chart sets no leader election for it.
      extraArgs: ha ? { 'enable-leader-election': true } : {},
      podDisruptionBudget: pdb,
      resources: res('10m', '32Mi', '200m', '128Mi'),
      topologySpreadConstraints: zoneSpread(selector(`${NAME}-cert-controller`)),
    },
  };
}

/**
 * The ClusterSecretStore on SSM Parameter Store. It authenticates with a token of the controller's own service account
 * (`auth.jwt.serviceAccountRef`) rather than the pod's ambient credentials: the identity is written in the manifest
 * (reviewable in dist/), and the IRSA trust policy accepts exactly that service account, so no other account's token
 * can reach the role.
 */
export function parameterStore(scope: Construct, cluster: Pick<Cluster, 'aws'>, allowedNamespaces: readonly string[]): ClusterSecretStore {
  return new ClusterSecretStore(scope, 'ClusterSecretStore', {
    metadata: { name: PARAMETER_STORE },
    spec: {
      provider: {
        aws: {
          service: ClusterSecretStoreSpecProviderAwsService.PARAMETER_STORE,
          region: cluster.aws.region,
          auth: { jwt: { serviceAccountRef: { name: SA.name, namespace: SA.namespace } } },
        },
      },
      conditions: [{ namespaces: [...allowedNamespaces] }],
      // Re-validates the store (credentials, reachability) every 10 minutes, so broken access shows on the store early.
      refreshInterval: ClusterSecretStoreSpecRefreshInterval.fromString('10m'),
    },
  });
}

/** echo-server's message from SSM into the Secret it reads `ECHO_MESSAGE` from. */
export function echoServerSecret(scope: Construct, cluster: Pick<Cluster, 'name'>, refreshInterval: string): ExternalSecret {
  return new ExternalSecret(scope, 'EchoServerSecret', {
    metadata: { name: ECHO_SERVER.secret, namespace: ECHO_SERVER.namespace },
    spec: {
      refreshInterval,
      secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: PARAMETER_STORE },
      // Owner: the Secret is garbage-collected with the ExternalSecret. Retain: a provider outage or a deleted
      // parameter keeps the last value instead of emptying the Secret under a running workload.
      target: {
        name: ECHO_SERVER.secret,
        creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
        deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
      },
      data: [
        {
          secretKey: ECHO_SERVER.key,
          // Written out with their defaults so the live object matches and the Application stays Synced.
          remoteRef: {
            key: echoMessageParameter(cluster),
            conversionStrategy: ExternalSecretSpecDataRemoteRefConversionStrategy.DEFAULT,
            decodingStrategy: ExternalSecretSpecDataRemoteRefDecodingStrategy.NONE,
            metadataPolicy: ExternalSecretSpecDataRemoteRefMetadataPolicy.NONE,
          },
        },
      ],
    },
  });
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** The chart values that install the CRDs and keep them when the Application goes (see KEEP_ANNOTATIONS). */
const CRD_VALUES: readonly RequiredValue[] = [
  { path: ['installCRDs'], allowed: true, why: 'the CRDs belong to this Application; without them Argo CD would prune them and every ExternalSecret with them' },
  ...Object.entries(KEEP_ANNOTATIONS).map(([key, value]) => ({
    path: ['crds', 'annotations', key],
    allowed: value,
    why: 'keeps the CRDs (and every ExternalSecret) when the add-on is removed',
  })),
];

export const externalSecretsOperator = defineAddon<ExternalSecretsOperatorProps>({
  id: 'external-secrets-operator',
  dependsOn: [NEEDS_NODES],
  description: 'External Secrets Operator: Secrets from SSM Parameter Store under the cluster prefix',
  namespace: SA.namespace,
  irsa: { controller: 'external-secrets', valuesPath: ['serviceAccount'] },
  chart: { repoURL: 'https://charts.external-secrets.io', chart: NAME, version: '2.9.0', releaseName: NAME },
  settings: {
    replicas: int({ min: 1, max: 5, default: 2 }),
    allowedNamespaces: list(str({ pattern: NAMESPACE, patternText: 'a namespace name' }), { minItems: 1, unique: true, default: [ECHO_SERVER.namespace] }),
    refreshInterval: str({ pattern: DURATION, patternText: 'a Go duration such as "1h" or "15m"', default: '1h' }),
  },
  validate: ({ cluster, config, settings }) => {
    const problems: Problem[] = [];
    const allowed = settings.allowedNamespaces;
    if (cluster.addons['echo-server']?.enabled && !allowed.includes(ECHO_SERVER.namespace)) {
      problems.push({
        path: 'addons.external-secrets-operator.allowedNamespaces',
        message: `got ${JSON.stringify(allowed)}, which leaves out "${ECHO_SERVER.namespace}" where echo-server's ExternalSecret lives; allowed: a list that includes "${ECHO_SERVER.namespace}" (or disable addons.echo-server)`,
      });
    }
    problems.push(...requiredValueProblems('external-secrets-operator', config.values, CRD_VALUES));
    return problems;
  },
  values: ({ cluster, settings }) => externalSecretsValues(cluster, settings),
  manifests: (scope, { cluster, settings }) => {
    parameterStore(scope, cluster, settings.allowedNamespaces);
    // Only with echo-server: its Application creates the namespace the ExternalSecret goes into.
    if (cluster.addons['echo-server']?.enabled) echoServerSecret(scope, cluster, settings.refreshInterval);
  },
  extraNamespaces: [ECHO_SERVER.namespace],
  // The CRDs alone (about 690 KB for the store kinds) exceed the client-side apply annotation limit.
  serverSideApply: true,
  chartClusterKinds: [
    CRD,
    VALIDATING_WEBHOOK,
    ...CLUSTER_RBAC,
  ],
  // The cert-controller writes its CA into the webhooks and into the CRDs' conversion settings after every apply.
  ignoreDifferences: () => [
    ...['secretstore-validate', 'externalsecret-validate'].map((name) => ({
      group: 'admissionregistration.k8s.io',
      kind: 'ValidatingWebhookConfiguration',
      name,
      jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
    })),
    {
      group: 'apiextensions.k8s.io',
      kind: 'CustomResourceDefinition',
      jqPathExpressions: [
        '.spec.conversion.webhook.clientConfig.caBundle',
        '.spec.conversion.webhook.clientConfig.service.name',
        '.spec.conversion.webhook.clientConfig.service.namespace',
      ],
    },
  ],
});
