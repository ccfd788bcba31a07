/** Helm values keys are looked up as the chart's own keys, never as properties every JavaScript object has. */
import { describe, expect, it } from 'vitest';
import { helmValuesProblems, needsUpstream, UPSTREAM_MISSING } from './schema-helpers.ts';

describe('unknown Helm values keys', () => {
  it.skipIf(UPSTREAM_MISSING).each(['toString', 'hasOwnProperty', 'valueOf', 'constructorName'])(
    needsUpstream('reports %s, which the chart does not have, like any other unknown key'),
    async (key) => {
      expect(await helmValuesProblems('metrics-server', '3.13.1', { [key]: 'x' })).toEqual([
        expect.stringMatching(new RegExp(`^${key}: chart metrics-server 3\\.13\\.1 has no value ${key}`)),
      ]);
    },
  );
});
