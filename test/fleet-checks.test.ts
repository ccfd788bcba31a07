import { describe, expect, it } from 'vitest';
import { ADDONS } from '../charts/registry.ts';
import { clusterIngressGroup } from '../charts/network/alb-ingress-group.ts';
import { loadClusters } from '../config/load.ts';
import { fleetCollisions } from '../config/fleet-checks.ts';
import { albName, awsResourceNames } from '../config/naming.ts';
import { buildBootstrapTemplate, stackName } from '../bootstrap/template.ts';
import { configErrors } from './helpers.ts';
import { fixtureConfig, type FixtureCluster } from './config-fixtures.ts';

const load = (dir: string) => loadClusters({ configDir: dir, addons: ADDONS, relativeTo: dir });

describe('fleet-wide checks at load', () => {
  it('loads clusters that share nothing', () => {
    expect(configErrors(fixtureConfig([{ name: 'a', n: 1 }, { name: 'b', n: 2 }]))).toEqual([]);
  });

  it('rejects two clusters with the same dns.domain, in both files', () => {
    const same = (d: Record<string, any>) => (d.dns.domain = 'apps.example.com');
    const errors = configErrors(fixtureConfig([{ name: 'a', n: 1, edit: same }, { name: 'b', n: 2, edit: same }]));
    expect(errors).toEqual([
      'clusters/b.yaml: dns.domain: got "apps.example.com"; also the domain of cluster a (clusters/a.yaml); allowed: a domain no other cluster uses (each external-dns owns its records; two would fight, or one never publishes)',
      'clusters/a.yaml: dns.domain: got "apps.example.com"; also the domain of cluster b (clusters/b.yaml); allowed: a domain no other cluster uses (each external-dns owns its records; two would fight, or one never publishes)',
    ]);
  });

  it('checks against clusters that --cluster did not select, reporting only in the selected file', () => {
    const same = (d: Record<string, any>) => (d.dns.hostedZoneId = 'Z0SHARED');
    const dir = fixtureConfig([{ name: 'a', n: 1, edit: same }, { name: 'b', n: 2, edit: same }]);
    const errors = configErrors(dir, ['a']);
    expect(errors).toEqual([
      'clusters/a.yaml: dns.hostedZoneId: got "Z0SHARED"; also the hosted zone of cluster b (clusters/b.yaml); allowed: a hosted zone of the cluster\'s own (delegate a sub-domain to each cluster)',
    ]);
  });

  it('rejects a subnet shared by two clusters (one karpenter.sh/discovery tag value)', () => {
    const dir = fixtureConfig([
      { name: 'a', n: 1 },
      { name: 'b', n: 2, edit: (d) => (d.network.privateSubnetIds[1] = 'subnet-00000000000010001') },
    ]);
    expect(configErrors(dir, ['b'])).toEqual([
      'clusters/b.yaml: network.privateSubnetIds[1]: got "subnet-00000000000010001"; also a subnet of cluster a (clusters/a.yaml); allowed: subnets no other cluster uses (each cluster\'s Karpenter nodes, load balancers and EFS mount targets get IP space of their own)',
    ]);
  });

  it('rejects a load balancer name two clusters derive in one account and region, not across regions', () => {
    // "a" with group "b-shared" and "a-b" with the default group "shared" both name their ALB "a-b-shared".
    const group = (d: Record<string, any>) => (d.addons['alb-ingress-group'] = { groupName: 'b-shared' });
    const same: FixtureCluster[] = [{ name: 'a', n: 1, edit: group }, { name: 'a-b', n: 2 }];
    expect(configErrors(fixtureConfig(same))).toContain(
      'clusters/a-b.yaml: addons.alb-ingress-group.loadBalancerName: got "a-b-shared"; its load balancer "a-b-shared" (account 111111111111 eu-west-1) is also one of cluster a (clusters/a.yaml); allowed: a value whose AWS names differ from every other cluster\'s (load balancer names are unique per account and region)',
    );
    expect(configErrors(fixtureConfig([same[0], { ...same[1], region: 'eu-central-1' }]))).toEqual([]);
    expect(configErrors(fixtureConfig([same[0], { ...same[1], accountId: '222222222222' }]))).toEqual([]);
  });

  it('treats IAM role names as account-wide and the other names as regional', () => {
    const [a] = load(fixtureConfig([{ name: 'a', n: 1 }]));
    const elsewhere = { ...a, aws: { ...a.aws, region: 'us-east-1' }, files: { ...a.files, config: 'other/a.yaml' } };
    // Same name in another region of the same account (domain, zone and subnets collide too; not asserted here).
    const problems = fleetCollisions([a], [elsewhere]).filter((p) => p.path === 'name');
    expect(problems.length).toBe(awsResourceNames(a).filter((n) => n.scope === 'account').length);
    expect(problems.every((p) => p.message.includes('IAM role names are unique per account'))).toBe(true);
    expect(problems[0]).toMatchObject({ file: 'clusters/a.yaml', path: 'name' });
  });

  it('lists every name the bootstrap gives an account- or region-unique resource', () => {
    const [cluster] = load(fixtureConfig([{ name: 'a', n: 1 }]));
    const template = buildBootstrapTemplate(cluster) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const property: Record<string, string> = { 'AWS::IAM::Role': 'RoleName', 'AWS::SQS::Queue': 'QueueName', 'AWS::KMS::Alias': 'AliasName', 'AWS::Events::Rule': 'Name', 'AWS::EKS::Cluster': 'Name' };
    const rendered = Object.values(template.Resources)
      .filter((r) => property[r.Type] && typeof r.Properties[property[r.Type]] === 'string')
      .map((r) => r.Properties[property[r.Type]] as string);
    const names = awsResourceNames(cluster).map((n) => n.name);
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.filter((n) => !names.includes(n))).toEqual([]);
    expect(names).toContain(stackName(cluster));
  });

  it('derives the ALB name as the alb-ingress-group add-on does', () => {
    const clusters = load(
      fixtureConfig([
        { name: 'a', n: 1 },
        { name: 'b', n: 2, edit: (d) => (d.addons['alb-ingress-group'] = { groupName: 'web' }) },
        { name: 'c', n: 3, edit: (d) => (d.addons['alb-ingress-group'] = { loadBalancerName: 'edge' }) },
      ]),
    );
    for (const c of clusters) expect(albName(c)).toBe(clusterIngressGroup(c).loadBalancerName);
  });
});
