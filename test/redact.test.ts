/**
 * Issue 13, finding 4: secrets nested anywhere in rendered data never print in `npm run diff` or its PR comment.
 * Each example of the issue is a case here; the last test runs them all through compareTrees and both formats.
 */
import { describe, expect, it } from 'vitest';
import { dump, loadAll } from 'js-yaml';
import { compareTrees } from '../src/diff/engine.ts';
import { formatMarkdown, formatText } from '../src/diff/format.ts';
import { render } from './helpers.ts';
import { isSensitiveKey, looksRandom, redact, redactPair, REDACTED, REDACTED_CHANGED, scrubString, scrubText } from '../src/diff/redact.ts';

type Obj = Record<string, unknown>;

// Credential-shaped values (made up, never valid anywhere).
const GITHUB_PAT = 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF';
const GHP = 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
const GLPAT = 'glpat-Xy12Ab34Cd56Ef78Gh90';
const STRIPE = 'sk_live_51AbCdEfGhIjKlMnOpQrSt';
const VAULT = 'hvs.CAESIAbCdEfGhIjKlMnOpQrStUvWxYz0123';
const SLACK = 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const PGP = '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGXpgp-s3cr3t-body\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----';

const values = {
  extraObjects: [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { username: 'app-user-s3cr3t', DATABASE_URL: 'postgres://db:5432/app' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'props' }, data: { 'app.properties': 'db.host=db.internal\ndb.password=props-s3cr3t\n', 'signing.asc': PGP } },
    { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'deep' }, data: { anything: 'ZGVlcC1zM2NyM3Q=' } }] },
  ],
  extraEnv: [
    { name: 'VAULT_PASSPHRASE', value: 'passphrase-s3cr3t' },
    { name: 'UPSTREAM', value: 'q8Zr2Lm5Tx9Vb1Nk4Hs7' },
    { name: 'LOG_LEVEL', value: 'debug' },
  ],
  extraArgs: ['--cloudflare-api-token=flag-s3cr3t', '--webhook-url=https://h.example.com/x?sig=sig-s3cr3t&v=1', '--api-key', 'split-s3cr3t', '--log-level=info'],
  passphrase: 'plain-passphrase-s3cr3t',
  bearer: 'bearer-s3cr3t',
  connectionString: 'Server=db;User Id=sa;Password=conn-s3cr3t;',
  note: 'Server=db;User Id=sa;Password=inline-conn-s3cr3t;Encrypt=true',
  license: { key: 'Lk7Qp2Zx9Wm4Rt6Yv1Nb' },
  tokens: [GITHUB_PAT, GHP, GLPAT, STRIPE, VAULT, SLACK, AWS_SECRET, JWT],
  repo: 'https://deploy:url-s3cr3t@git.example.com/org/repo.git',
  download: 'https://bucket.s3.amazonaws.com/f.tgz?X-Amz-Credential=AKID&X-Amz-Signature=query-s3cr3t&response-content-type=x',
  encoded: Buffer.from('hunter2-s3cr3t!').toString('base64'),
  encodedProps: Buffer.from('password=b64-s3cr3t').toString('base64'),
  manifests: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\nstringData:\n  api: doc-s3cr3t\n',
  // Plain configuration stays readable.
  image: { repository: 'public.ecr.aws/karpenter/controller', tag: 'v1.6.3-eksbuild.1' },
  roleArn: 'arn:aws:iam::111111111111:role/dev-karpenter',
  host: 'ingress.dev.platform.example.com',
  tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }],
  env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
};
const SECRETS = [
  'app-user-s3cr3t',
  'postgres://db:5432/app',
  'props-s3cr3t',
  'gp-s3cr3t-body',
  'ZGVlcC1zM2NyM3Q=',
  'passphrase-s3cr3t',
  'q8Zr2Lm5Tx9Vb1Nk4Hs7',
  'flag-s3cr3t',
  'sig-s3cr3t',
  'split-s3cr3t',
  'bearer-s3cr3t',
  'conn-s3cr3t',
  'Lk7Qp2Zx9Wm4Rt6Yv1Nb',
  GITHUB_PAT,
  GHP,
  GLPAT,
  STRIPE,
  VAULT,
  SLACK,
  AWS_SECRET,
  JWT,
  'url-s3cr3t',
  'query-s3cr3t',
  values.encoded,
  values.encodedProps,
  'doc-s3cr3t',
];
const READABLE = ['public.ecr.aws/karpenter/controller', 'v1.6.3-eksbuild.1', 'arn:aws:iam::111111111111:role/dev-karpenter', 'ingress.dev.platform.example.com', 'CriticalAddonsOnly', 'db.host=db.internal', 'debug', '--log-level=info', 'https://h.example.com/x?sig=', 'X-Amz-Credential', 'User Id=sa', 'Encrypt=true', 'https://deploy:', '@git.example.com/org/repo.git'];

const app = (v: Obj) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'dev-demo', namespace: 'argocd', labels: { 'eks-platform/addon': 'demo' }, annotations: { 'argocd.argoproj.io/sync-wave': '100' } },
  spec: { project: 'dev-platform', destination: { server: 'https://kubernetes.default.svc', namespace: 'demo' }, source: { repoURL: 'https://charts.example.com', chart: 'demo', targetRevision: '1.0.0', helm: { valuesObject: v } } },
});

describe('redaction finds secrets by structure', () => {
  it('redacts every data/stringData value of a Secret manifest nested in Helm values, at any depth', () => {
    const r = redact(values) as typeof values;
    expect(r.extraObjects[0]).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { username: REDACTED, DATABASE_URL: REDACTED } });
    expect((r.extraObjects[2] as { items: Array<{ data: Obj }> }).items[0].data).toEqual({ anything: REDACTED });
    // A multi-document YAML string: the Secret in it is redacted, the ConfigMap stays.
    expect(r.manifests).toContain('kind: ConfigMap');
    expect(r.manifests).toContain(`api: ${REDACTED}`);
    // A Secret template that is not YAML (Helm template syntax) cannot be walked: redacted whole.
    expect(redact({ t: 'apiVersion: v1\nkind: Secret\nstringData:\n  api: tpl-s3cr3t\n  x: {{ .Values.x }: }\n' })).toEqual({ t: REDACTED });
  });

  it('redacts env values by a secret-ish name or a credential-shaped value, and keeps references', () => {
    const r = redact(values) as typeof values;
    expect(r.extraEnv).toEqual([
      { name: 'VAULT_PASSPHRASE', value: REDACTED },
      { name: 'UPSTREAM', value: REDACTED },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
    expect(r.env).toEqual(values.env);
  });

  it('redacts --flag=value and --flag value arguments with credential flags, and credential query parameters in URLs', () => {
    const r = redact(values) as typeof values;
    expect(r.extraArgs).toEqual([`--cloudflare-api-token=${REDACTED}`, `--webhook-url=https://h.example.com/x?sig=${REDACTED}&v=1`, '--api-key', REDACTED, '--log-level=info']);
  });

  it('redacts passphrase, bearer, connectionString and a bare key holding a random value; keeps reference keys', () => {
    const r = redact(values) as typeof values;
    expect([r.passphrase, r.bearer, r.connectionString]).toEqual([REDACTED, REDACTED, REDACTED]);
    expect(r.license).toEqual({ key: REDACTED });
    expect(r.tolerations).toEqual(values.tolerations);
    for (const k of ['passphrase', 'bearer', 'connectionString', 'VAULT_PASSPHRASE', 'cloudflare-api-token', 'apiKey', 'db.password', 'tls.key']) expect(isSensitiveKey(k), k).toBe(true);
    for (const k of ['secretName', 'KmsKey', 'missingkey', 'httpTokens', 'secret.reloader.stakater.com/reload', 'ExternalSecretsRole', 'DB_SECRET_NAME']) expect(isSensitiveKey(k), k).toBe(false);
  });
});

describe('redaction finds secrets by shape inside strings', () => {
  it('cuts properties, connection-string, PEM/PGP and URL credentials out of a string and keeps the rest', () => {
    expect(scrubString('db.host=db.internal\ndb.password=props-s3cr3t\n')).toBe(`db.host=db.internal\ndb.password=${REDACTED}\n`);
    expect(scrubString('Server=db;User Id=sa;Password=p;Encrypt=true')).toBe(`Server=db;User Id=sa;Password=${REDACTED};Encrypt=true`);
    expect(scrubString(`before\n${PGP}\nafter`)).toBe(`before\n${REDACTED}\nafter`);
    expect(scrubString('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk')).toBe(REDACTED);
    expect(scrubString('https://deploy:pw@git.example.com/x')).toBe(`https://deploy:${REDACTED}@git.example.com/x`);
    expect(scrubString('https://x.blob.core.windows.net/c?sv=2022&sig=abc%3D&se=1')).toBe(`https://x.blob.core.windows.net/c?sv=2022&sig=${REDACTED}&se=1`);
    expect(scrubString('[db]\nuser = app\npassword = ini-s3cr3t\n')).toBe(`[db]\nuser = app\npassword = ${REDACTED}\n`);
    expect(scrubString('Authorization: Bearer abcdefghijklmnop')).toBe(`Authorization: ${REDACTED}`);
  });

  it('redacts well-known token formats wherever they are', () => {
    for (const t of [GITHUB_PAT, GHP, GLPAT, STRIPE, VAULT, SLACK, AWS_SECRET, JWT, 'AKIAABCDEFGHIJKLMNOP']) expect(scrubString(`x ${t} y`), t).toBe(`x ${REDACTED} y`);
  });

  it('redacts base64 that decodes to a password or a credential, not base64 of ordinary text', () => {
    expect(scrubString(Buffer.from('hunter2-s3cr3t!').toString('base64'))).toBe(REDACTED);
    expect(scrubString(Buffer.from('password=x').toString('base64'))).toBe(REDACTED);
    expect(scrubString(Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'))).not.toBe(REDACTED);
  });

  it('keeps image tags, ARNs, hostnames, UUIDs, digests and versions readable', () => {
    for (const v of ['v1.6.3-eksbuild.1', 'arn:aws:iam::111111111111:role/dev-karpenter', 'ingress.dev.platform.example.com', '3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b', 'sha256:4b6e0e6e2c3f1a', 'missingkey=error', 'External Secrets Operator: Secrets from SSM']) {
      expect(scrubString(v), v).toBe(v);
      expect(looksRandom(v), v).toBe(false);
    }
  });

  it('shows that a secret inside a string changed, without its value', () => {
    expect(redactPair({ v: 'a=1;Password=one' }, { v: 'a=1;Password=two' })).toEqual([{ v: `a=1;Password=${REDACTED}` }, { v: `a=1;Password=${REDACTED_CHANGED}` }]);
  });

  it('scrubText cuts tokens out of finished text', () => {
    expect(scrubText(`token ${GHP} and https://u:p@h/x?token=t`)).toBe(`token ${REDACTED} and https://u:${REDACTED}@h/x?token=${REDACTED}`);
  });
});

describe('npm run diff output never prints the secrets of the issue', () => {
  it('in the text report and the PR comment, whether the add-on is added, changed or removed', () => {
    const file = (o: unknown) => dump(o, { lineWidth: -1, noRefs: true });
    const tree = (v?: Obj) => new Map([['dev', new Map(v ? [['apps/application_argocd_dev-demo.yaml', file(app(v))]] : [['apps/other.yaml', file({ kind: 'ConfigMap', metadata: { name: 'x' } })]])]]);
    const changed = { ...values, passphrase: 'other-passphrase-s3cr3t', extraEnv: [...values.extraEnv, { name: 'X', value: 'y' }] };
    for (const [base, head] of [
      [tree(), tree(values)],
      [tree(values), tree()],
      [tree(values), tree(changed)],
    ]) {
      const report = compareTrees(base, head);
      for (const out of [formatText(report, { baseLabel: 'a', headLabel: 'b' }), formatMarkdown(report, { baseLabel: 'a', headLabel: 'b' })]) {
        for (const s of [...SECRETS, 'other-passphrase-s3cr3t']) expect(out, s).not.toContain(s);
      }
    }
    // What is not a credential stays readable.
    const text = formatText(compareTrees(tree(), tree(values)), { baseLabel: 'a', headLabel: 'b' });
    for (const s of READABLE) expect(text, s).toContain(s);
  });
});

describe('credentials found by shape never print, wherever they are placed', () => {
  it('at generated depths, under ordinary keys, in lists, and inside YAML, JSON and properties strings', () => {
    const shaped = [GITHUB_PAT, GHP, GLPAT, STRIPE, VAULT, SLACK, AWS_SECRET, JWT, 'AKIAABCDEFGHIJKLMNOP', PGP];
    const wraps: Array<(s: string) => unknown> = [
      (s) => s,
      (s) => `see ${s} here`,
      (s) => JSON.stringify({ a: { b: [s] } }),
      (s) => `a:\n  b: ${JSON.stringify(s)}\n`,
      (s) => `kind: ConfigMap\n---\nc: ${JSON.stringify(s)}\n`,
      (s) => `x.url=https://h/x\nx.note=${s.replace(/\n/g, '\\n')}\n`,
      (s) => ({ name: 'PLAIN', value: s }),
      (s) => [`--flag=${s}`],
    ];
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const keys = ['spec', 'values', 'data', 'config', 'items', 'note', 'controller', 'extra'];
    for (let i = 0; i < 400; i++) {
      const secret = shaped[rand(shaped.length)];
      let v: unknown = wraps[rand(wraps.length)](secret);
      for (let d = rand(6); d > 0; d--) v = rand(3) === 0 ? [v] : { [keys[rand(keys.length)]]: v, other: 'plain' };
      const text = JSON.stringify(redact(v));
      const probe = secret.includes('\n') ? 'gp-s3cr3t-body' : secret;
      expect(text.includes(probe) || text.includes(JSON.stringify(probe).slice(1, -1)), `${i}: ${JSON.stringify(v)}`).toBe(false);
    }
  });
});

/** The review of the first fix: each kind that still leaked, placed under `addons.metrics-server.values`. */
describe('redaction closes the leaks found in review', () => {
  const leaky = {
    key: 'bare-key-s3cr3t',
    podAnnotations: { key: 'annotation-key-s3cr3t', note: 'pass: annotation-pass-s3cr3t', mail: 'SMTP_PASS=smtp-s3cr3t', keep: 'team: payments' },
    cookie: 'session=cookie-s3cr3t',
    args: ['--db-pass=dbpass-s3cr3t', '--client-secret clientsecret-s3cr3t', '-p=short-s3cr3t', '--kubelet-insecure-tls'],
    initCommand: ['mysql', '--password', 'next-item-s3cr3t', '--host', 'db.internal'],
    extraObjects: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { 'config.json': '{"db":{"pass":"json-pass-s3cr3t","host":"db.internal"}}' } },
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'db' },
        spec: { target: { name: 'db', template: { engineVersion: 'v2', metadata: { labels: { app: 'db' } }, data: { settings: 'eso-template-s3cr3t' } } } },
      },
      { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's' }, spec: { encryptedData: { a: 'AgBy3i4OJSWK' }, template: { metadata: { name: 's' }, stringData: { plain: 'sealed-template-s3cr3t' } } } },
    ],
  };
  const LEAKS = ['bare-key-s3cr3t', 'annotation-key-s3cr3t', 'annotation-pass-s3cr3t', 'smtp-s3cr3t', 'cookie-s3cr3t', 'dbpass-s3cr3t', 'clientsecret-s3cr3t', 'short-s3cr3t', 'next-item-s3cr3t', 'json-pass-s3cr3t', 'eso-template-s3cr3t', 'sealed-template-s3cr3t'];

  it('a bare key, and key=value / key: value in strings whose key contains pass, cookie, session, auth…', () => {
    const r = redact(leaky) as typeof leaky;
    expect(r.key).toBe(REDACTED);
    expect(r.podAnnotations).toEqual({ key: REDACTED, note: `pass: ${REDACTED}`, mail: `SMTP_PASS=${REDACTED}`, keep: 'team: payments' });
    expect(r.cookie).toBe(REDACTED);
    for (const k of ['pass', 'SMTP_PASS', 'db-pass', 'cookie', 'sessionId', 'basicAuth', 'apikey', 'userCreds']) expect(isSensitiveKey(k), k).toBe(true);
    for (const k of ['sessionAffinity', 'passthrough', 'enable-ssl-passthrough', 'authMode', 'cookieName', 'redisSecretInit']) expect(isSensitiveKey(k), k).toBe(false);
    // A settings block under a weak word is judged key by key.
    expect(redact({ basicAuth: { enabled: true, user: 'admin', pass: 'x1' } })).toEqual({ basicAuth: { enabled: true, user: 'admin', pass: REDACTED } });
  });

  it('flag values in any list: --flag=value, --flag value in one item, -p=value, and --password then the next item', () => {
    const r = redact(leaky) as typeof leaky;
    expect(r.args).toEqual([`--db-pass=${REDACTED}`, `--client-secret ${REDACTED}`, `-p=${REDACTED}`, '--kubelet-insecure-tls']);
    expect(r.initCommand).toEqual(['mysql', '--password', REDACTED, '--host', 'db.internal']);
  });

  it('JSON inside a string is parsed and redacted by key, the rest kept', () => {
    const r = redact(leaky) as typeof leaky;
    expect(r.extraObjects[0].data).toEqual({ 'config.json': `{"db":{"pass":"${REDACTED}","host":"db.internal"}}` });
  });

  it('template data of secret-producing kinds (ExternalSecret, SealedSecret) is redacted; their metadata stays', () => {
    const [, es, sealed] = (redact(leaky) as typeof leaky).extraObjects as Obj[];
    expect(es.spec).toEqual({ target: { name: 'db', template: { engineVersion: 'v2', metadata: { labels: { app: 'db' } }, data: { settings: REDACTED } } } });
    expect(sealed.spec).toEqual({ encryptedData: { a: 'AgBy3i4OJSWK' }, template: { metadata: { name: 's' }, stringData: { plain: REDACTED } } });
    const cluster = { apiVersion: 'external-secrets.io/v1', kind: 'ClusterExternalSecret', spec: { externalSecretSpec: { target: { template: { data: { a: 'ces-s3cr3t' } } } } } };
    expect(JSON.stringify(redact(cluster))).not.toContain('ces-s3cr3t');
  });

  it('none of them prints in npm run diff or its PR comment (add-on metrics-server added, changed, removed)', () => {
    const file = (o: unknown) => dump(o, { lineWidth: -1, noRefs: true });
    const tree = (v?: Obj) => new Map([['dev', new Map(v ? [['apps/application_argocd_dev-metrics-server.yaml', file(app(v))]] : [])]]);
    const changed = { ...leaky, key: 'other-key-s3cr3t', args: ['--db-pass=other-dbpass-s3cr3t'] };
    for (const [base, head] of [
      [tree(), tree(leaky)],
      [tree(leaky), tree()],
      [tree(leaky), tree(changed)],
    ]) {
      const report = compareTrees(base, head);
      for (const out of [formatText(report, { baseLabel: 'a', headLabel: 'b' }), formatMarkdown(report, { baseLabel: 'a', headLabel: 'b' })]) {
        for (const s of [...LEAKS, 'other-key-s3cr3t', 'other-dbpass-s3cr3t']) expect(out, s).not.toContain(s);
      }
    }
  });
});

describe('redaction keeps rendered configuration readable', () => {
  it('redacting every rendered file of the fixture clusters changes nothing but the data of a real Secret', () => {
    const changedPaths: string[] = [];
    const compare = (a: unknown, b: unknown, path: string, secret: boolean) => {
      if (JSON.stringify(a) === JSON.stringify(b)) return;
      if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
        for (const k of Object.keys(a)) compare((a as Obj)[k], (b as Obj)[k], `${path}.${k}`, secret);
      } else if (!secret) changedPaths.push(path);
    };
    let files = 0;
    for (const name of ['dev', 'prod']) {
      for (const [rel, text] of render(name).files) {
        const docs = rel.endsWith('.json') ? [JSON.parse(text)] : rel.endsWith('.yaml') ? loadAll(text) : [];
        for (const d of docs) {
          files++;
          const secret = (d as Obj).kind === 'Secret' && (d as Obj).apiVersion === 'v1';
          // A real Secret: only its data may change.
          if (secret) compare({ ...(d as Obj), data: 0, stringData: 0 }, { ...(redact(d) as Obj), data: 0, stringData: 0 }, `${name}/${rel}`, false);
          else compare(d, redact(d), `${name}/${rel}`, false);
        }
      }
    }
    expect(files).toBeGreaterThan(40);
    // References that share a name with credentials stay, by their siblings.
    const refs = { tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }], env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }], Tags: [{ Key: 'karpenter.sh/discovery', Value: 'dev' }] };
    expect(redact(refs)).toEqual(refs);
    expect(changedPaths).toEqual([]);
  });
});
