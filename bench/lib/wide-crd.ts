// A CustomResourceDefinition whose spec has `fields` typed leaf fields (the #17 benchmark's
// "500-field custom object"), and objects of it. The leaves cycle through what a structural
// schema checks: a bounded string, a bounded integer, a boolean, an enum and a pattern, so
// validation does the kinds of work a real operator's schema asks for.

import type { KubeObject } from '../../shared/api/types.js';

export const WIDE_GROUP = 'bench.drover.io';
export const WIDE_PLURAL = 'widgets';
export const WIDE_KIND = 'Widget';
export const WIDE_CRD_NAME = `${WIDE_PLURAL}.${WIDE_GROUP}`;
export const WIDE_API_VERSION = `${WIDE_GROUP}/v1`;

const LEVELS = ['low', 'mid', 'high'];

/** Field i's name: f000, f001, ... */
export const fieldName = (i: number) => `f${String(i).padStart(3, '0')}`;

function leafSchema(i: number): Record<string, unknown> {
  switch (i % 5) {
    case 0:
      return { type: 'string', maxLength: 64 };
    case 1:
      return { type: 'integer', minimum: 0, maximum: 1_000_000, ...(i % 10 === 1 ? { default: 1 } : {}) };
    case 2:
      return { type: 'boolean' };
    case 3:
      return { type: 'string', enum: LEVELS };
    default:
      return { type: 'string', pattern: '^[a-z0-9-]*$' };
  }
}

function leafValue(i: number, seq: number): unknown {
  switch (i % 5) {
    case 0:
      return `value-${i}-${seq}`;
    case 1:
      return (i * 7 + seq) % 1_000_000;
    case 2:
      return (i + seq) % 2 === 0;
    case 3:
      return LEVELS[(i + seq) % LEVELS.length];
    default:
      return `name-${i}`;
  }
}

export function wideCrd(fields: number): KubeObject {
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < fields; i++) properties[fieldName(i)] = leafSchema(i);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: WIDE_CRD_NAME },
    spec: {
      group: WIDE_GROUP,
      scope: 'Namespaced',
      names: { plural: WIDE_PLURAL, singular: 'widget', kind: WIDE_KIND },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', required: [fieldName(0)], properties },
                status: { type: 'object', properties: { observed: { type: 'integer' } } },
              },
            },
          },
        },
      ],
    },
  } as KubeObject;
}

/** A Widget with the first `fields` spec fields set; `seq` varies the values. */
export function wideObject(
  name: string,
  namespace: string,
  fields: number,
  seq = 0,
  labels: Record<string, string> = { app: 'bench' },
): KubeObject {
  const spec: Record<string, unknown> = {};
  for (let i = 0; i < fields; i++) spec[fieldName(i)] = leafValue(i, seq);
  return {
    apiVersion: WIDE_API_VERSION,
    kind: WIDE_KIND,
    metadata: { name, namespace, labels },
    spec,
  } as KubeObject;
}
