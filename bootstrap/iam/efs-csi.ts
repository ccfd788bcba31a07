/**
 * EFS CSI driver policy, derived from `docs/iam-policy-example.json` of kubernetes-sigs/aws-efs-csi-driver (the
 * driver of chart 4.4.1, which we pin). Upstream creates and deletes access points by the tag
 * `efs.csi.aws.com/cluster: "true"`, a constant every cluster's driver writes, so one cluster could delete another's.
 * Here the driver also tags them `eks-platform/cluster: <cluster>` (the chart's `controller.tags`, set in
 * charts/storage/efs-controller.ts), creation requires that tag and deletion matches it; creation is further limited
 * to the cluster's own file system.
 */
import { CLUSTER_LABEL } from '../../config/labels.ts';
import type { PolicyDocument } from '../cfn.ts';
import { doc, type PolicyContext } from './context.ts';

/** The driver's own tag on the access points it creates (constant "true"). */
const DRIVER_TAG = 'efs.csi.aws.com/cluster';

export function efsCsiPolicy(c: PolicyContext): PolicyDocument {
  const accessPoints = `arn:${c.partition}:elasticfilesystem:${c.region}:${c.accountId}:access-point/*`;
  const creatingOurs = { StringEquals: { [`aws:RequestTag/${CLUSTER_LABEL}`]: c.cluster }, StringLike: { [`aws:RequestTag/${DRIVER_TAG}`]: 'true' } };
  return doc(
    {
      Sid: 'Describe',
      Effect: 'Allow',
      Action: ['elasticfilesystem:DescribeAccessPoints', 'elasticfilesystem:DescribeFileSystems', 'elasticfilesystem:DescribeMountTargets', 'ec2:DescribeAvailabilityZones'],
      Resource: '*',
    },
    { Sid: 'CreateAccessPoint', Effect: 'Allow', Action: ['elasticfilesystem:CreateAccessPoint'], Resource: c.fileSystemArn, Condition: creatingOurs },
    {
      // CreateAccessPoint with tags is also authorized as TagResource on the new access point, which has no tags yet:
      // the condition must be on the request (as upstream), not on aws:ResourceTag.
      Sid: 'TagNewAccessPoint',
      Effect: 'Allow',
      Action: ['elasticfilesystem:TagResource'],
      Resource: accessPoints,
      Condition: { ...creatingOurs, StringEquals: { ...creatingOurs.StringEquals, 'elasticfilesystem:CreateAction': 'CreateAccessPoint' } },
    },
    {
      Sid: 'DeleteOwnAccessPoints',
      Effect: 'Allow',
      Action: 'elasticfilesystem:DeleteAccessPoint',
      Resource: accessPoints,
      Condition: { StringEquals: { [`aws:ResourceTag/${CLUSTER_LABEL}`]: c.cluster } },
    },
  );
}
