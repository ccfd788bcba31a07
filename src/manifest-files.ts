/** How a rendered Kubernetes object becomes a file in dist/: its name and its YAML text. */
import { dumpYaml } from './yaml-emit.ts';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } } & Record<string, unknown>;

export function fileName(m: Manifest): string {
  const kind = m.kind.toLowerCase();
  return m.metadata.namespace ? `${kind}_${m.metadata.namespace}_${m.metadata.name}.yaml` : `${kind}_${m.metadata.name}.yaml`;
}

/** How every rendered YAML file begins; src/dist.ts recognises its own folders by it. */
export const RENDERED_HEADER = '# Rendered by `npm run synth` from ';

export function toYaml(m: unknown, source: string): string {
  return `${RENDERED_HEADER}${source}. Do not edit: change the config and re-run.\n${dumpYaml(m)}`;
}
