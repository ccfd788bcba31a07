import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { efsController } from '../charts/storage/efs-controller.ts';
import { SERVICE_ACCOUNTS, KARPENTER_NAMESPACE } from '../config/naming.ts';
import { configErrors, editCluster, fixtureCluster, parse, render, renderAddon, renderFixture, tempConfig } from './helpers.ts';
import { applicationHelmProblems, helmValuesProblems, needsUpstream, schemaProblems, UPSTREAM, UPSTREAM_MISSING } from './schema-helpers.ts';

const CHART = join(UPSTREAM, 'charts', 'aws-efs-csi-driver');
const APP = 'apps/application_argocd_dev-efs-controller.yaml';
const CLASS = 'addons/efs-controller/storageclass_efs.yaml';

/** The dev fixture with the efsFileSystemId fact replaced (undefined: absent). */
const withFileSystem = (id: string | undefined) => ({ overrides: { facts: { ...fixtureCluster('dev').facts, efsFileSystemId: id } } });

describe('efs-controller', () => {
  const dev = renderFixture('dev');
  const app = parse(dev, APP);
  const source = app.spec.sources[0];
  const values = source.helm.valuesObject;

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('installs the pinned chart into kube-system at wave 110, with the StorageClass from git'), () => {
    expect(source).toMatchObject({ repoURL: 'https://kubernetes-sigs.github.io/aws-efs-csi-driver/', chart: 'aws-efs-csi-driver', targetRevision: '4.4.1' });
    const chartYaml = load(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { name: string; version: string };
    expect([chartYaml.name, chartYaml.version]).toEqual([source.chart, source.targetRevision]);
    expect(app.spec.destination.namespace).toBe('kube-system');
    expect(app.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('110');
    expect(app.spec.sources[1].path).toBe('dist/dev/addons/efs-controller');
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('sets only keys the pinned chart has'), async () => {
    expect(await applicationHelmProblems(app)).toEqual([]);
    // The check itself catches a misspelt key.
    expect(await helmValuesProblems('aws-efs-csi-driver', '4.4.1', { controller: { replicas: 2 } })).toEqual([
      expect.stringMatching(/^controller\.replicas: chart aws-efs-csi-driver 4\.4\.1 has no value controller\.replicas;/),
    ]);
  });

  it('runs 2 controller replicas with a PDB, IRSA on the shared service account, requests and limits everywhere', () => {
    expect(values.controller.replicaCount).toBe(2);
    expect(values.controller.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
    expect(SERVICE_ACCOUNTS['efs-csi']).toEqual({ namespace: app.spec.destination.namespace, name: values.controller.serviceAccount.name });
    expect(values.controller.serviceAccount).toEqual({
      create: true,
      name: 'efs-csi-controller-sa',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/dev-efs-csi' },
    });
    expect(values.useHelmHooksForCSIDriver).toBe(false);
    for (const r of [values.controller.resources, values.node.resources, ...Object.values(values.sidecars).map((s: any) => s.resources)]) {
      expect(Object.keys(r.requests).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(r.limits).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it('keeps controller and node pods off Fargate and on Karpenter nodes', () => {
    for (const [affinity, excluded] of [
      [values.controller.affinity, ['fargate']],
      [values.node.affinity, ['fargate', 'hybrid']],
    ]) {
      expect(affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
        {
          matchExpressions: [
            { key: 'karpenter.sh/nodepool', operator: 'Exists' },
            { key: 'eks.amazonaws.com/compute-type', operator: 'NotIn', values: excluded },
          ],
        },
      ]);
    }
    // Fargate runs only Karpenter's namespace; the driver is elsewhere.
    expect(app.spec.destination.namespace).not.toBe(KARPENTER_NAMESPACE);
  });

  it('renders the EFS StorageClass from the fact and the defaults', () => {
    const sc = parse(dev, CLASS);
    expect(sc).toMatchObject({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'efs', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'efs.csi.aws.com',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    });
    expect(sc.parameters).toEqual({
      provisioningMode: 'efs-ap',
      fileSystemId: 'fs-0a1b2c3d4e5f60101',
      directoryPerms: '700',
      basePath: '/dynamic_provisioning',
      subPathPattern: '${.PVC.namespace}/${.PVC.name}',
      ensureUniqueDirectory: 'true',
      gidRangeStart: '50000',
      gidRangeEnd: '7000000',
    });
    expect(sc.metadata.namespace).toBeUndefined();
  });

  it('reclaimPolicy Delete deletes the data: the controller removes the access point root dir, privileged as the chart requires', () => {
    expect(parse(dev, CLASS).reclaimPolicy).toBe('Delete');
    expect(values.controller.deleteAccessPointRootDir).toBe(true);
    expect(values.controller.containerSecurityContext).toEqual({ privileged: true });
  });

  it('reclaimPolicy Retain keeps the data and the controller unprivileged', () => {
    const retained = parse(renderFixture('prod'), 'apps/application_argocd_prod-efs-controller.yaml').spec.sources[0].helm.valuesObject;
    expect(retained.controller.deleteAccessPointRootDir).toBe(false);
    expect(retained.controller.containerSecurityContext).toEqual({ privileged: false, allowPrivilegeEscalation: false });
  });

  it('rejects at load the combination the chart documents as failing, and a Delete that would keep the data', () => {
    expect([
      ...renderAddon(efsController, { settings: { reclaimPolicy: 'Retain' }, values: { controller: { deleteAccessPointRootDir: true } } }).errors,
      ...renderAddon(efsController, { cluster: 'prod', settings: { reclaimPolicy: 'Delete' }, values: { controller: { deleteAccessPointRootDir: false } } }).errors,
    ]).toEqual([
      'clusters/dev.yaml: addons.efs-controller.values.controller.containerSecurityContext.privileged: got false (boolean) with deleteAccessPointRootDir true, which the chart documents as failing; allowed: true (or leave it out), or deleteAccessPointRootDir false with addons.efs-controller.reclaimPolicy "Retain"',
      'clusters/prod.yaml: addons.efs-controller.values.controller.deleteAccessPointRootDir: got false (boolean) with reclaimPolicy "Delete", which would delete the access point but keep the data; allowed: true (or leave it out), or addons.efs-controller.reclaimPolicy "Retain"',
    ]);
  });

  it('takes class settings per cluster: prod retains volumes in its own GID range', () => {
    const sc = parse(renderFixture('prod'), 'addons/efs-controller/storageclass_efs.yaml');
    expect(sc.reclaimPolicy).toBe('Retain');
    expect(sc.parameters).toMatchObject({ fileSystemId: 'fs-0f1e2d3c4b5a60202', gidRangeStart: '100000', gidRangeEnd: '200000' });
  });

  it('switches the default-class annotation and the class name from config', () => {
    const { manifests } = renderAddon(efsController, { settings: { defaultClass: false, storageClassName: 'efs-shared', directoryPerms: '750', basePath: '/k8s' } });
    const classes = manifests.filter((m) => m.kind === 'StorageClass');
    expect(classes.map((m) => m.metadata.name)).toEqual(['efs-shared']);
    const sc = classes[0];
    expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('false');
    expect(sc.parameters).toMatchObject({ directoryPerms: '750', basePath: '/k8s' });
  });

  it.skipIf(UPSTREAM_MISSING)(needsUpstream('renders a StorageClass valid against the Kubernetes 1.28 and 1.36 schemas'), async () => {
    const sc = parse(dev, CLASS);
    for (const version of ['v1.28.0', 'v1.36.0']) {
      expect(await schemaProblems([sc], [version])).toEqual([]);
      expect(await schemaProblems([{ ...sc, reclaimPolcy: 'Delete' }], [version])).toEqual([expect.stringMatching(/^StorageClass\/efs: reclaimPolcy: unknown field/)]);
    }
  });

  it('deep-merges the cluster values over the defaults', () => {
    const v = renderAddon(efsController, { settings: { replicas: 3 }, values: { controller: { logLevel: 5 } } }).values!;
    expect(v.controller).toMatchObject({ replicaCount: 3, logLevel: 5, serviceAccount: { name: 'efs-csi-controller-sa' } });
    expect(renderAddon(efsController, { settings: { replicas: 1 } }).values).toMatchObject({ controller: { replicaCount: 1, podDisruptionBudget: { enabled: false } } });
  });

  it('fails without the efsFileSystemId fact, naming the fact, the facts file and the command', () => {
    const errors = renderAddon(efsController, withFileSystem(undefined)).errors;
    expect(errors).toEqual([
      'clusters/dev.yaml: facts.efsFileSystemId: the efs-controller StorageClass needs the fact efsFileSystemId in facts/dev.yaml (got nothing); ' +
        'allowed: "fs-" and 8 or 17 lowercase hex characters, written by `npm run facts -- pull --cluster dev` after the bootstrap, or disable addons.efs-controller',
    ]);
  });

  it('fails on a malformed efsFileSystemId', () => {
    for (const bad of ['fs-123', 'fs-0123456789ABCDEF0', 'fsap-0123456789abcdef0', 'fs-0123456789abcdef0 ']) {
      const errors = renderAddon(efsController, withFileSystem(bad)).errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toContain(`facts.efsFileSystemId: the efs-controller StorageClass needs the fact efsFileSystemId in facts/dev.yaml (got ${JSON.stringify(bad)})`);
      expect(errors[0]).toContain('npm run facts -- pull --cluster dev');
    }
  });

  it('accepts both file-system id lengths and needs no fact when the add-on is disabled', () => {
    for (const good of ['fs-01234567', 'fs-0123456789abcdef0']) {
      expect(renderAddon(efsController, withFileSystem(good)).errors).toEqual([]);
    }
    const dir = tempConfig();
    const file = join(dir, 'facts', 'dev.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^efsFileSystemId:.*\n/m, ''));
    editCluster(dir, 'dev', (doc) => {
      doc.addons['efs-controller'] = { enabled: false };
    });
    expect(configErrors(dir, ['dev'])).toEqual([]);
    expect([...render('dev', dir).files.keys()].some((f) => f.includes('efs-controller'))).toBe(false);
  });

  it('fails on a GID range that is empty and on bad class settings', () => {
    expect(renderAddon(efsController, { settings: { gidRangeStart: 5000, gidRangeEnd: 5000, reclaimPolicy: 'Recycle', directoryPerms: 700 } }).errors).toEqual([
      'clusters/dev.yaml: addons.efs-controller.reclaimPolicy: got "Recycle" (string); allowed: one of "Delete", "Retain"',
      'clusters/dev.yaml: addons.efs-controller.directoryPerms: got 700 (number); allowed: quoted octal permissions such as "700" (YAML reads an unquoted 700 as a number)',
    ]);
    expect(renderAddon(efsController, { settings: { gidRangeStart: 5000, gidRangeEnd: 5000 } }).errors).toEqual([
      'clusters/dev.yaml: addons.efs-controller.gidRangeEnd: got 5000, not above gidRangeStart 5000; allowed: a GID greater than gidRangeStart',
    ]);
  });
});
