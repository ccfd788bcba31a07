/** Minimal typed CloudFormation vocabulary: the template shape, intrinsic functions and IAM policy documents. */

export type Intrinsic =
  | { readonly Ref: string }
  | { readonly 'Fn::GetAtt': readonly [string, string] }
  | { readonly 'Fn::Sub': string | readonly [string, Readonly<Record<string, unknown>>] }
  | { readonly 'Fn::Select': readonly [number, unknown] }
  | { readonly 'Fn::Split': readonly [string, unknown] }
  | { readonly 'Fn::Equals': readonly [unknown, unknown] };

/** A string known at render time, or one CloudFormation resolves at deploy time. */
export type Value = string | Intrinsic;

export const ref = (logicalId: string): Intrinsic => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): Intrinsic => ({ 'Fn::GetAtt': [logicalId, attribute] });
export const sub = (text: string, variables?: Readonly<Record<string, unknown>>): Intrinsic =>
  variables ? { 'Fn::Sub': [text, variables] } : { 'Fn::Sub': text };

export interface CfnResource {
  readonly Type: string;
  readonly Condition?: string;
  readonly DependsOn?: readonly string[];
  readonly DeletionPolicy?: 'Delete' | 'Retain' | 'Snapshot' | 'RetainExceptOnCreate';
  readonly UpdateReplacePolicy?: 'Delete' | 'Retain' | 'Snapshot';
  readonly Properties: Readonly<Record<string, unknown>>;
}

export interface CfnParameter {
  readonly Type: 'String';
  readonly Description: string;
  readonly AllowedValues?: readonly string[];
  readonly Default?: string;
}

export interface CfnOutput {
  readonly Description: string;
  readonly Value: Value;
}

export interface CfnTemplate {
  readonly AWSTemplateFormatVersion: '2010-09-09';
  readonly Description: string;
  readonly Parameters: Readonly<Record<string, CfnParameter>>;
  readonly Conditions: Readonly<Record<string, Intrinsic>>;
  readonly Resources: Readonly<Record<string, CfnResource>>;
  readonly Outputs: Readonly<Record<string, CfnOutput>>;
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: '*' | Readonly<Record<string, Value | readonly Value[]>>;
  readonly Action: string | readonly string[];
  readonly Resource?: Value | readonly Value[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** CloudFormation's logical-id alphabet: letters and digits. `alb-controller` → `AlbController`. */
export function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** The ARN partition and DNS suffix of a region (`cn-*` and `us-gov-*` are separate partitions). */
export function partitionOf(region: string): { readonly partition: string; readonly urlSuffix: string } {
  if (region.startsWith('cn-')) return { partition: 'aws-cn', urlSuffix: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', urlSuffix: 'amazonaws.com' };
  return { partition: 'aws', urlSuffix: 'amazonaws.com' };
}
