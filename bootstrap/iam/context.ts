/**
 * What every IAM document of the bootstrap is built from: the cluster's names and ARNs, and the document helper.
 * One file per controller policy sits next to this one, each naming the upstream policy and version it derives from.
 */
import type { PolicyDocument, PolicyStatement, Value } from '../cfn.ts';

export interface PolicyContext {
  /** The EKS cluster name; also the value of the cluster tags every write statement is conditioned on. */
  readonly cluster: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** `ec2.<urlSuffix>` and friends. */
  readonly urlSuffix: string;
  /** The cluster's VPC (`network.vpcId`): the only VPC the ALB controller may create security groups in. */
  readonly vpcId: string;
  readonly hostedZoneId: string;
  /** Karpenter's SQS interruption queue ARN. */
  readonly interruptionQueueArn: string;
  readonly karpenterNodeRoleArn: string;
  /** SSM path External Secrets may read, e.g. `/dev/apps`. */
  readonly appParameterPrefix: string;
  /** The cluster KMS key (resolved at deploy time). */
  readonly kmsKeyArn: Value;
  /** The EFS file system (resolved at deploy time). */
  readonly fileSystemArn: Value;
}

/** A policy document (IAM policy language version 2012-10-17) of the given statements. */
export const doc = (...statements: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });
