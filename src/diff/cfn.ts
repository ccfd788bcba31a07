/**
 * CloudFormation templates of the AWS bootstrap (`dist/<cluster>/aws/*.json`): resources added, modified and
 * replaced, from @aws-cdk/cloudformation-diff (the engine behind `cdk diff`, which knows which property changes
 * replace a resource).
 */
import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';

export type CfnChange = 'added' | 'removed' | 'modified';

export interface CfnResourceChange {
  readonly logicalId: string;
  readonly type: string;
  readonly change: CfnChange;
  /** WILL_REPLACE, MAY_REPLACE, WILL_DESTROY, WILL_UPDATE, … (ResourceImpact). */
  readonly impact: string;
  /** Changed properties (modified resources only). */
  readonly properties: readonly string[];
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
}

export interface CfnTemplateDiff {
  readonly resources: readonly CfnResourceChange[];
  /** Parameters/Outputs/Conditions/… that changed: `Section.Id` and whether it was added, removed or modified. */
  readonly otherChanges: readonly { readonly what: string; readonly change: 'added' | 'removed' | 'modified' }[];
}

type Template = Record<string, unknown>;

export function diffTemplates(base: Template | undefined, head: Template | undefined): CfnTemplateDiff {
  const diff = fullDiff(base ?? {}, head ?? {});
  const resources: CfnResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    resources.push({
      logicalId,
      type: change.newResourceType ?? change.oldResourceType ?? 'Unknown',
      change: change.isAddition ? 'added' : change.isRemoval ? 'removed' : 'modified',
      impact: String(change.changeImpact),
      properties: Object.keys(change.propertyUpdates).sort(),
      oldValue: change.oldValue,
      newValue: change.newValue,
    });
  });
  const otherChanges: Array<CfnTemplateDiff['otherChanges'][number]> = [];
  const sections = { Parameters: diff.parameters, Outputs: diff.outputs, Conditions: diff.conditions, Mappings: diff.mappings } as const;
  for (const [section, collection] of Object.entries(sections)) {
    collection.forEachDifference((id, d) => otherChanges.push({ what: `${section}.${id}`, change: d.isAddition ? 'added' : d.isRemoval ? 'removed' : 'modified' }));
  }
  resources.sort((a, b) => a.logicalId.localeCompare(b.logicalId, 'en'));
  return { resources, otherChanges: otherChanges.sort((a, b) => (a.what < b.what ? -1 : a.what > b.what ? 1 : 0)) };
}

export function isReplacement(c: CfnResourceChange): boolean {
  return c.impact === ResourceImpact.WILL_REPLACE || c.impact === ResourceImpact.MAY_REPLACE;
}
