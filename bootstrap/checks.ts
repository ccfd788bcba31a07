/** All offline checks of a bootstrap template: CloudFormation specification, IAM lint, TemplateBody size. */
import type { CfnTemplate } from './cfn.ts';
import { iamProblems, policiesOf } from './iam-check.ts';
import { checkTemplate, loadSpec, TEMPLATE_BODY_LIMIT, type TemplateProblem } from './spec-check.ts';

export async function templateProblems(template: CfnTemplate): Promise<TemplateProblem[]> {
  const db = await loadSpec();
  const size = Buffer.byteLength(JSON.stringify(template));
  return [
    ...checkTemplate(template, db),
    ...iamProblems(policiesOf(template)),
    ...(size > TEMPLATE_BODY_LIMIT ? [{ path: '(template)', message: `compact size ${size} bytes exceeds the ${TEMPLATE_BODY_LIMIT}-byte TemplateBody limit` }] : []),
  ];
}
