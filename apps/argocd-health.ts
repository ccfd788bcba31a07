/**
 * Argo CD does not assess the health of child Applications by default (since v1.8), so sync waves between
 * Applications would not wait for the previous add-on to be Healthy. This argocd-cm key restores that; the user
 * applies it with Argo CD's install (server-side apply merges it into the existing argocd-cm).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MANAGED_BY } from './labels.ts';

export const APPLICATION_HEALTH_KEY = 'resource.customizations.health.argoproj.io_Application';

/** The health check from Argo CD's v1.7→1.8 upgrade notes: an Application is as healthy as its own status says. */
export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
`;

export class ApplicationHealthConfig extends Construct {
  constructor(scope: Construct, id: string, props: { readonly namespace: string }) {
    super(scope, id);
    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'argocd-cm',
        namespace: props.namespace,
        labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd', ...MANAGED_BY },
      },
      data: { [APPLICATION_HEALTH_KEY]: APPLICATION_HEALTH_LUA },
    });
  }
}
