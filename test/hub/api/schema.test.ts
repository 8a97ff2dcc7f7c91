// checkSchema finds what the plain recursive walk it replaced found (the reference below: each
// field's path built on the way down, the children's problems concatenated), in the same order,
// on values made from the pod and Deployment schemas with wrong types and unknown fields mixed
// in; and a key that is a property of every object ("constructor") is an unknown field, not a
// schema (the reference read it through the prototype and threw).

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deploymentSchema } from '../../../hub/api/resources/apps-schema.js';
import { podSchema } from '../../../hub/api/resources/pod-schema.js';
import { checkSchema, dropUnknown, type Schema, type SchemaProblem } from '../../../hub/api/schema.js';
import { assertProperty } from '../../helpers/property.js';

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function reference(value: unknown, schema: Schema, path = ''): SchemaProblem[] {
  if (value === null || value === undefined) return [];
  const at = path || '<root>';
  const bad = (want: string): SchemaProblem[] => [
    { kind: 'type', path: at, message: `${at}: expected ${want}, got ${typeName(value)}` },
  ];
  switch (schema.t) {
    case 'any':
      return [];
    case 'string':
      return typeof value === 'string' ? [] : bad('string');
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? [] : bad('integer');
    case 'number':
      return typeof value === 'number' ? [] : bad('number');
    case 'bool':
      return typeof value === 'boolean' ? [] : bad('boolean');
    case 'intOrString':
      return typeof value === 'string' || typeof value === 'number' ? [] : bad('integer or string');
    case 'array':
      if (!Array.isArray(value)) return bad('array');
      return value.flatMap((v, i) => reference(v, schema.items, `${path}[${i}]`));
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return bad('object');
      return Object.entries(value).flatMap(([k, v]) =>
        reference(v, schema.values, path ? `${path}.${k}` : k),
      );
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return bad('object');
      const out: SchemaProblem[] = [];
      for (const [k, v] of Object.entries(value)) {
        const p = path ? `${path}.${k}` : k;
        const s = Object.hasOwn(schema.fields, k) ? schema.fields[k] : undefined;
        if (!s) out.push({ kind: 'unknown', path: p, message: `unknown field "${p}"` });
        else out.push(...reference(v, s, p));
      }
      return out;
    }
  }
}

const wrong = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);

/** Mostly what schema asks for, sometimes a wrong type, an unknown field or "constructor". */
function shaped(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 5) return wrong;
  let right: fc.Arbitrary<unknown>;
  switch (schema.t) {
    case 'object': {
      const keys = Object.keys(schema.fields);
      right = fc
        .uniqueArray(fc.constantFrom(...keys, ...keys, 'bogus', 'constructor'), { maxLength: 5 })
        .chain((ks) =>
          fc
            .tuple(
              ...ks.map((k) =>
                Object.hasOwn(schema.fields, k) ? shaped(schema.fields[k], depth + 1) : wrong,
              ),
            )
            .map((vs) => Object.fromEntries(ks.map((k, i) => [k, vs[i]]))),
        );
      break;
    }
    case 'map':
      right = fc.dictionary(fc.string({ maxLength: 3 }), shaped(schema.values, depth + 1), { maxKeys: 3 });
      break;
    case 'array':
      right = fc.array(shaped(schema.items, depth + 1), { maxLength: 3 });
      break;
    case 'string':
      right = fc.string({ maxLength: 3 });
      break;
    case 'int':
      right = fc.integer();
      break;
    default:
      right = wrong;
  }
  return fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: wrong });
}

for (const [name, schema] of [
  ['Pod', podSchema],
  ['Deployment', deploymentSchema],
] as const)
  test(`the same problems in the same order as the plain walk, on ${name} values`, async () => {
    await assertProperty(
      fc.property(shaped(schema, 0), fc.constantFrom('', 'status'), (v, path) => {
        assert.equal(checkSchema(v, schema, path), reference(v, schema, path));
      }),
      { numRuns: 300 },
    );
  });

test('"constructor" is an unknown field and dropUnknown removes it', () => {
  const pod = {
    metadata: { name: 'p', constructor: 'x' },
    spec: { containers: [{ name: 'c', toString: 1 }] },
  };
  assert.equal(
    checkSchema(pod, podSchema).map((p) => p.path),
    ['metadata.constructor', 'spec.containers[0].toString'],
  );
  dropUnknown(pod, podSchema);
  assert.equal(pod, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } });
});

test.run();
