/**
 * The pinned upstream files (see PROVENANCE.md in the upstream folder): where each one lives in its source
 * repository at a fixed commit, and its SHA-256. The "pinned" schema location downloads from these URLs and
 * refuses a file whose checksum differs, so a moved tag or a tampered mirror cannot change what is validated.
 * test/validate-sources.test.ts checks this table against PROVENANCE.md.
 */

export interface PinnedFile {
  /** Path under the upstream folder, e.g. `crds/karpenter/karpenter.sh_nodepools.yaml`. */
  readonly local: string;
  /** GitHub owner/name. */
  readonly repo: string;
  readonly commit: string;
  /** Path in the repository. */
  readonly path: string;
  readonly sha256: string;
}

const row = (local: string, repo: string, commit: string, path: string, sha256: string): PinnedFile => ({ local, repo, commit, path, sha256 });

export const PINNED_FILES: readonly PinnedFile[] = [
  row('crds/argo-cd/application-crd.yaml', 'argoproj/argo-cd', '109ca7ca71139e514114499d294a492e7910a965', 'manifests/crds/application-crd.yaml', '5dde0e229249b6b707beb98674c1deae3949d5c319a6c45b9f5a80c99618e40c'),
  row('crds/argo-cd/appproject-crd.yaml', 'argoproj/argo-cd', '109ca7ca71139e514114499d294a492e7910a965', 'manifests/crds/appproject-crd.yaml', 'ab225266944322750136f1198d93786e4a79a0e43c8d149abfba44da30a3eac8'),
  row('crds/argo-cd/applicationset-crd.yaml', 'argoproj/argo-cd', '109ca7ca71139e514114499d294a492e7910a965', 'manifests/crds/applicationset-crd.yaml', '7d282054f41ca2b71a22bab04a8caf0000e07e53a62432e6ea292dae5ab4f07d'),
  row('crds/karpenter/karpenter.sh_nodepools.yaml', 'aws/karpenter-provider-aws', 'bde00654cd316fddb3dccfba3f5ac07039865429', 'pkg/apis/crds/karpenter.sh_nodepools.yaml', '3bb64a20c80776b77aa19a699ebdaf34480a7b2e7ec4ef890b43225b3517f878'),
  row('crds/karpenter/karpenter.k8s.aws_ec2nodeclasses.yaml', 'aws/karpenter-provider-aws', 'bde00654cd316fddb3dccfba3f5ac07039865429', 'pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml', '62dec59f01c0972d4503ca3ed25f243ba9c2f561be0d964ce7a14c8df406132f'),
  row('crds/karpenter/karpenter.sh_nodeclaims.yaml', 'aws/karpenter-provider-aws', 'bde00654cd316fddb3dccfba3f5ac07039865429', 'pkg/apis/crds/karpenter.sh_nodeclaims.yaml', '96037dc241031fe0f7a09ddf78183d885ce6a1dfe115f7b3fbf8a12c564be694'),
  row('crds/cert-manager/cert-manager.io_clusterissuers.yaml', 'cert-manager/cert-manager', '24e33194fb39488eff2bbf10c6dc640f407cad44', 'deploy/crds/cert-manager.io_clusterissuers.yaml', '30008001b78aafb8e110af61359561104b5fafc3a4dc6ac0013245d0ee3fe4ca'),
  row('crds/cert-manager/cert-manager.io_issuers.yaml', 'cert-manager/cert-manager', '24e33194fb39488eff2bbf10c6dc640f407cad44', 'deploy/crds/cert-manager.io_issuers.yaml', '05e37efb02777e0362d24269fa103c2fc11419f9c85e31854ef873e5d9e5c5cc'),
  row('crds/cert-manager/cert-manager.io_certificates.yaml', 'cert-manager/cert-manager', '24e33194fb39488eff2bbf10c6dc640f407cad44', 'deploy/crds/cert-manager.io_certificates.yaml', '7ad91029c00ec959d54215b19d3b1a9b7e0247eaa60f987151c2b70d8661f8af'),
  row('crds/external-secrets/external-secrets.io_clustersecretstores.yaml', 'external-secrets/external-secrets', '378bdb622ed9712ef4a58370f6a17af033b7d343', 'config/crds/bases/external-secrets.io_clustersecretstores.yaml', 'f847c69ae317a76527fc37c163ddfe15d9026e14eb47dd325319e914e0433c2a'),
  row('crds/external-secrets/external-secrets.io_secretstores.yaml', 'external-secrets/external-secrets', '378bdb622ed9712ef4a58370f6a17af033b7d343', 'config/crds/bases/external-secrets.io_secretstores.yaml', '7f750858d393913915a2f15daff9e1d2f56ca207c09920c055d7a68cceacb641'),
  row('crds/external-secrets/external-secrets.io_externalsecrets.yaml', 'external-secrets/external-secrets', '378bdb622ed9712ef4a58370f6a17af033b7d343', 'config/crds/bases/external-secrets.io_externalsecrets.yaml', '5044be5a610ca90a075f34f03ed20b462695c43387ba9410db7f4250e47b1e2f'),
  row('crds/external-secrets/external-secrets.io_clusterexternalsecrets.yaml', 'external-secrets/external-secrets', '378bdb622ed9712ef4a58370f6a17af033b7d343', 'config/crds/bases/external-secrets.io_clusterexternalsecrets.yaml', '9f5563a19efb4bce47f3916937eac160eae1eaec56560e4f6f77b1b2047a8664'),
  row('crds/aws-load-balancer-controller/elbv2.k8s.aws_ingressclassparams.yaml', 'kubernetes-sigs/aws-load-balancer-controller', '11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4', 'config/crd/bases/elbv2.k8s.aws_ingressclassparams.yaml', 'ecc9a6272f05b23da799e8c62f2ace623ca7b061e9808fdee50d1ab15dfbd825'),
  row('crds/aws-load-balancer-controller/elbv2.k8s.aws_targetgroupbindings.yaml', 'kubernetes-sigs/aws-load-balancer-controller', '11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4', 'config/crd/bases/elbv2.k8s.aws_targetgroupbindings.yaml', '0efbdd3d88d29abbdd6feb2c1329dceb5e1b7788644f2d9b0be9158589a98432'),
  row('kubernetes-schemas/v1.28.0/_definitions.json', 'cdk8s-team/cdk8s', '71f8cba7ecc809d861e837e842217202d5e5a16c', 'kubernetes-schemas/v1.28.0/_definitions.json', '26005b7e779ea2fcbd87e4f23d76dc565eef8381c2287e149c676c03d48b0df6'),
  row('kubernetes-schemas/v1.36.0/_definitions.json', 'cdk8s-team/cdk8s', '71f8cba7ecc809d861e837e842217202d5e5a16c', 'kubernetes-schemas/v1.36.0/_definitions.json', 'a9e98cdc6ab09980f23b5e987a5f11d0ec1fc838187efb92f347ccf38ed8fd65'),
  row('charts/karpenter/Chart.yaml', 'aws/karpenter-provider-aws', 'c88abbbad455186e69e30296c595e474123e9bc1', 'charts/karpenter/Chart.yaml', 'd71d48f1df63297c29b307e48c4c735789782abcb63c2bbff778fe7f9541a39c'),
  row('charts/karpenter/values.yaml', 'aws/karpenter-provider-aws', 'c88abbbad455186e69e30296c595e474123e9bc1', 'charts/karpenter/values.yaml', '38652eae97bec5bf709a394d1f4260398ed8c564f567927bb19fe46f7a6fa4ab'),
  row('charts/metrics-server/Chart.yaml', 'kubernetes-sigs/metrics-server', '842dcc8c42f22cc19f10c7d5f2d32a9f4b6013b0', 'charts/metrics-server/Chart.yaml', '352c751ec06bb8563db335e0f468ad9d5d05bdc1d023ec033292b2d27d5e3c8a'),
  row('charts/metrics-server/values.yaml', 'kubernetes-sigs/metrics-server', '842dcc8c42f22cc19f10c7d5f2d32a9f4b6013b0', 'charts/metrics-server/values.yaml', '683ed81c6074e7b49f732ab37168e316767e9782f0560ed905ad521d0b0e5b0d'),
  row('charts/reloader/Chart.yaml', 'stakater/Reloader', '655a2b3814baadb69d3d1e105242d6cc8875d7cb', 'deployments/kubernetes/chart/reloader/Chart.yaml', '3a2e6d577b124417493e21abc4354ef26a734de6d49ffde1a2dd85c09fc5e620'),
  row('charts/reloader/values.yaml', 'stakater/Reloader', '655a2b3814baadb69d3d1e105242d6cc8875d7cb', 'deployments/kubernetes/chart/reloader/values.yaml', 'ce14b818b5e48feedd407438050a51e2bbaf3794251501f5325a4ebb34afee53'),
  row('charts/reloader/values.schema.json', 'stakater/Reloader', '655a2b3814baadb69d3d1e105242d6cc8875d7cb', 'deployments/kubernetes/chart/reloader/values.schema.json', '8791ee4443985d8cdefd0cd16babd8df8ce0b97bb2df8ad7531863db4e160426'),
  row('charts/cert-manager/Chart.yaml', 'cert-manager/cert-manager', '24e33194fb39488eff2bbf10c6dc640f407cad44', 'deploy/charts/cert-manager/Chart.yaml', '643e41e3c9c3f6bde5a6fbdc359adfc6222af2b42623f16fb97a97ae46c8db8d'),
  row('charts/cert-manager/values.yaml', 'cert-manager/cert-manager', '24e33194fb39488eff2bbf10c6dc640f407cad44', 'deploy/charts/cert-manager/values.yaml', '4d818a0facf6c8462fcd316f40bcc1c693f3a4aa0a2ad445bf4c54fa950203cf'),
  row('charts/cert-manager/values.schema.json', 'cert-manager/cert-manager', '24e33194fb39488eff2bbf10c6dc640f407cad44', 'deploy/charts/cert-manager/values.schema.json', '47730ad9154f6cde7a081de7541f88e085ff92a5e5fd65a41a3d0223ff735bea'),
  row('charts/aws-load-balancer-controller/Chart.yaml', 'kubernetes-sigs/aws-load-balancer-controller', '11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4', 'helm/aws-load-balancer-controller/Chart.yaml', '9644ee828751254ee65afccb72579f11f83c5231059952e3048aa76f64a6d894'),
  row('charts/aws-load-balancer-controller/values.yaml', 'kubernetes-sigs/aws-load-balancer-controller', '11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4', 'helm/aws-load-balancer-controller/values.yaml', 'c330e0b3aaeed9d6b75e70564563dcdb231ee970db587f23eff5c013461f2dd4'),
  row('charts/external-dns/Chart.yaml', 'kubernetes-sigs/external-dns', '9f26451346774099a8b3e3e5cc46a53bf2fd1461', 'charts/external-dns/Chart.yaml', '5bcc0a084f04873668d0c5c613101c40ea3ef0fb5c6236800d5b765f743c58bb'),
  row('charts/external-dns/values.yaml', 'kubernetes-sigs/external-dns', '9f26451346774099a8b3e3e5cc46a53bf2fd1461', 'charts/external-dns/values.yaml', '3769875a194421f7f0dfd8aab1c23f08da3b61a47b574214a2aa197f7b277810'),
  row('charts/external-dns/values.schema.json', 'kubernetes-sigs/external-dns', '9f26451346774099a8b3e3e5cc46a53bf2fd1461', 'charts/external-dns/values.schema.json', 'fd180b628a5d0e565a5469ef5b37e58dd661176092b5e2cb1059b210b4afa1a4'),
  row('charts/aws-efs-csi-driver/Chart.yaml', 'kubernetes-sigs/aws-efs-csi-driver', '3fcc6bdd7533a4cfd15643b31593f7ff154584c9', 'charts/aws-efs-csi-driver/Chart.yaml', 'b3435a111e760e01400eb5306ef6803d93824c80e9d7896a1ef19a420858843a'),
  row('charts/aws-efs-csi-driver/values.yaml', 'kubernetes-sigs/aws-efs-csi-driver', '3fcc6bdd7533a4cfd15643b31593f7ff154584c9', 'charts/aws-efs-csi-driver/values.yaml', '604e416c79f6414852b30b56f7df36bfd03ad9134bc9888e1322ed6e6b060996'),
  row('charts/external-secrets/Chart.yaml', 'external-secrets/external-secrets', 'cc5bfbc2234ace9cb0caff4ea89c435cf517b27b', 'deploy/charts/external-secrets/Chart.yaml', '20afd15a4ae9a20195ca1df538a49d88a12e962a8d261cf3ec39fd1ae238bb3d'),
  row('charts/external-secrets/values.yaml', 'external-secrets/external-secrets', 'cc5bfbc2234ace9cb0caff4ea89c435cf517b27b', 'deploy/charts/external-secrets/values.yaml', '13811e7dd028c69c933d299728181f5b094bcab03de0cea26a8a020b2c7d402d'),
  row('charts/external-secrets/values.schema.json', 'external-secrets/external-secrets', 'cc5bfbc2234ace9cb0caff4ea89c435cf517b27b', 'deploy/charts/external-secrets/values.schema.json', 'a6cdce7b4f5ca9debdbf4164816daedc41d71589cf7d90bb513159603ed81312'),
  row('charts/argo-cd/Chart.yaml', 'argoproj/argo-helm', 'af0a9310bacbaa4636018dfe22c801a6d33a5c43', 'charts/argo-cd/Chart.yaml', '8525bf3f4a0a6861ec4b235b157e76090fa64c8917d5ab6248243d36288af5ba'),
  row('charts/argo-cd/values.yaml', 'argoproj/argo-helm', 'af0a9310bacbaa4636018dfe22c801a6d33a5c43', 'charts/argo-cd/values.yaml', '8ee687712e738650ab9e7f3e2d1f4fb4ad877e26a8eaed539f957e1d66872086'),
];

export function pinnedUrl(file: PinnedFile): string {
  return `https://raw.githubusercontent.com/${file.repo}/${file.commit}/${file.path}`;
}

/**
 * A chart the validator has data for. Its version is not repeated here: the version the data belongs to is the
 * `version` in the pinned `charts/<name>/Chart.yaml`, so a chart bump in charts/**.ts (Renovate) fails validation
 * until the upstream data, and with it this table's checksums, is updated.
 */
export interface PinnedChart {
  /** Folder under `charts/` in the upstream data, and the chart's name. */
  readonly name: string;
  /** Helm repositories that publish it (https:// index or oci:// chart reference), from PROVENANCE.md. */
  readonly repos: readonly string[];
  /**
   * The release tag of the pinned commit, for a Chart.yaml kept unstamped upstream (`version: v0.0.0`; the release
   * tool stamps the tag when it packages the chart). Checked against PROVENANCE.md. @default none (Chart.yaml is stamped)
   */
  readonly releaseTag?: string;
  /**
   * No files of this chart are pinned; it is released together with the named chart, at that chart's version, and
   * an Application may use it only at that version and without values. @default none (the chart has data)
   */
  readonly releasedWith?: string;
  /**
   * Maps (dotted paths in values) whose keys the chart copies verbatim into a ConfigMap's `data`, as its values.yaml
   * says: their keys belong to the program's config, not to the chart, so they are not checked against values.yaml.
   * @default none
   */
  readonly passThrough?: readonly string[];
}

/** The pinned charts, from PROVENANCE.md's "Helm charts" section. */
export const PINNED_CHARTS: readonly PinnedChart[] = [
  { name: 'karpenter', repos: ['oci://public.ecr.aws/karpenter/karpenter'] },
  // Karpenter's CRDs as their own chart (upstream's recommended install), released with karpenter from the same
  // commit; it takes no values that matter, so none are pinned. Validated for version and absence of values only.
  { name: 'karpenter-crd', repos: ['oci://public.ecr.aws/karpenter/karpenter-crd'], releasedWith: 'karpenter' },
  { name: 'metrics-server', repos: ['https://kubernetes-sigs.github.io/metrics-server/'] },
  { name: 'reloader', repos: ['https://stakater.github.io/stakater-charts', 'oci://ghcr.io/stakater/charts/reloader'] },
  { name: 'cert-manager', repos: ['oci://quay.io/jetstack/charts/cert-manager', 'https://charts.jetstack.io'], releaseTag: 'v1.21.1' },
  { name: 'aws-load-balancer-controller', repos: ['https://aws.github.io/eks-charts'] },
  { name: 'external-dns', repos: ['https://kubernetes-sigs.github.io/external-dns/'] },
  { name: 'aws-efs-csi-driver', repos: ['https://kubernetes-sigs.github.io/aws-efs-csi-driver/'] },
  { name: 'external-secrets', repos: ['https://charts.external-secrets.io'] },
  // values.yaml 10.1.1: "Any values you put under `.configs.cm` are passed to argocd-cm ConfigMap"; likewise params.
  { name: 'argo-cd', repos: ['https://argoproj.github.io/argo-helm', 'oci://ghcr.io/argoproj/argo-helm/argo-cd'], passThrough: ['configs.cm', 'configs.params'] },
];

/**
 * The project's own pinned upstream data, next to config/ (`upstream/` in the repository): chart versions added by
 * `npm run upstream -- pin <chart> <version>` as `charts/<chart>/<version>/`, overlaying the shared upstream folder
 * (the validator reads this folder first). Each pin is recorded in PINNED_TABLE with its URL and SHA-256.
 */
export const UPSTREAM_FOLDER = 'upstream';
/** The table of pinned chart versions in UPSTREAM_FOLDER (JSON; see src/upstream/pin.ts). */
export const PINNED_TABLE = 'pinned.json';

/** Version stamped in an unreleased Chart.yaml. */
const UNSTAMPED = 'v0.0.0';

/** The chart version pinned data belongs to: Chart.yaml's `version`, or the release tag when that is unstamped. */
export function dataVersion(chart: PinnedChart, chartYaml: string): { version: string } | { error: string } {
  const stamped = /^version:\s*['"]?([^'"\s#]+)/m.exec(chartYaml)?.[1];
  if (stamped === undefined) return { error: `charts/${chart.name}/Chart.yaml has no version; allowed: the pinned upstream Chart.yaml` };
  if (stamped !== UNSTAMPED) return { version: stamped };
  if (chart.releaseTag) return { version: chart.releaseTag };
  return { error: `charts/${chart.name}/Chart.yaml says version ${UNSTAMPED} (unstamped) and the pinned table gives no release tag; allowed: a stamped Chart.yaml, or releaseTag in PINNED_CHARTS` };
}
