// The pure parts of custom resources, table-driven: which schemas are structural, what
// pruning drops and keeps, what defaulting fills in, the 422 causes validation gives (field
// path, upstream's wording), and the JSONPath subset printer columns use.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JSONSchemaProps } from '../../../../shared/api/crd.js';
import { applyDefaults } from '../../../../hub/api/crd/defaults.js';
import { evaluate, parseJsonPath } from '../../../../hub/api/crd/json-path.js';
import { prune } from '../../../../hub/api/crd/prune.js';
import { structuralErrors } from '../../../../hub/api/crd/structural.js';
import { compileValidator } from '../../../../hub/api/crd/validator.js';
import { compareVersionPriority } from '../../../../hub/api/version-priority.js';

const root = (properties: Record<string, JSONSchemaProps>): JSONSchemaProps => ({
  type: 'object',
  properties,
});

const structural: [string, JSONSchemaProps | undefined, string[]][] = [
  ['a typed tree is structural', root({ spec: root({ n: { type: 'integer' } }) }), []],
  ['no schema', undefined, ['s: Required value: schemas are required']],
  ['a field without a type', root({ spec: { properties: {} } }), ['s.properties[spec].type: Required value']],
  ['int-or-string needs no type', root({ t: { 'x-kubernetes-int-or-string': true } }), []],
  [
    'int-or-string with a type',
    root({ t: { type: 'string', 'x-kubernetes-int-or-string': true } }),
    ['s.properties[t].type: Invalid value: must be empty'],
  ],
  [
    'preserve-unknown-fields needs no type',
    root({ x: { 'x-kubernetes-preserve-unknown-fields': true } }),
    [],
  ],
  ['$ref is forbidden', root({ x: { type: 'object', $ref: '#/x' } }), ['s.properties[x].$ref: Forbidden']],
  [
    'uniqueItems true is forbidden',
    root({ x: { type: 'array', items: { type: 'string' }, uniqueItems: true } }),
    ['s.properties[x].uniqueItems: Forbidden'],
  ],
  ['an array without items', root({ x: { type: 'array' } }), ['s.properties[x].items: Required value']],
  [
    'properties with additionalProperties',
    root({ x: { type: 'object', properties: {}, additionalProperties: { type: 'string' } } }),
    ['s.properties[x].additionalProperties: Forbidden'],
  ],
  [
    'an unknown type',
    root({ x: { type: 'date' as 'string' } }),
    ['s.properties[x].type: Unsupported value: "date"'],
  ],
  ['the root is not an object', { type: 'string' }, ['s.type: Invalid value: must be object at the root']],
  [
    'metadata beyond name',
    root({ metadata: { type: 'object', properties: { labels: { type: 'object' } } } }),
    ['s.properties[metadata]: Forbidden'],
  ],
  [
    'metadata restricting name',
    root({ metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } }),
    [],
  ],
  [
    'a type inside anyOf',
    root({ x: { type: 'string', anyOf: [{ type: 'string' }] } }),
    ['s.properties[x].anyOf[0].type: Forbidden'],
  ],
];

for (const [name, schema, want] of structural)
  test(`structural: ${name}`, () => {
    const got = structuralErrors(schema, 's').map((c) => `${c.field}: ${c.message}`);
    assert.is(got.length, want.length, got.join('\n'));
    for (const [i, w] of want.entries()) assert.ok(got[i].startsWith(w), `${got[i]} should start with ${w}`);
  });

const sensor: JSONSchemaProps = root({
  spec: {
    type: 'object',
    required: ['location'],
    properties: {
      location: { type: 'string', pattern: '^[a-z]+$', minLength: 2, maxLength: 8 },
      interval: { type: 'integer', minimum: 1, maximum: 10, default: 5 },
      ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
      mode: { type: 'string', enum: ['poll', 'push'], default: 'poll' },
      threshold: { 'x-kubernetes-int-or-string': true },
      tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
      ports: {
        type: 'array',
        items: {
          type: 'object',
          required: ['port'],
          properties: { port: { type: 'integer' }, name: { type: 'string', default: 'p' } },
        },
      },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      extra: {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        properties: { known: { type: 'object', properties: { a: { type: 'string' } } } },
      },
      template: {
        type: 'object',
        'x-kubernetes-embedded-resource': true,
        properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } },
      },
      note: { type: 'string', nullable: true },
    },
  },
});

const pruning: [string, unknown, unknown, string[]][] = [
  [
    'an unknown field goes',
    { spec: { location: 'a', bogus: 1 } },
    { spec: { location: 'a' } },
    ['spec.bogus'],
  ],
  [
    'an unknown root field goes, the envelope stays',
    { apiVersion: 'v', kind: 'K', metadata: { name: 'n' }, junk: true },
    { apiVersion: 'v', kind: 'K', metadata: { name: 'n' } },
    ['junk'],
  ],
  [
    'inside array items',
    { spec: { ports: [{ port: 1, x: 2 }] } },
    { spec: { ports: [{ port: 1 }] } },
    ['spec.ports[0].x'],
  ],
  ['map values are known', { spec: { labels: { a: 'b' } } }, { spec: { labels: { a: 'b' } } }, []],
  [
    'preserve-unknown-fields keeps the unknown',
    { spec: { extra: { anything: { deep: 1 } } } },
    { spec: { extra: { anything: { deep: 1 } } } },
    [],
  ],
  [
    'but prunes inside its specified fields',
    { spec: { extra: { known: { a: 'x', b: 'y' } } } },
    { spec: { extra: { known: { a: 'x' } } } },
    ['spec.extra.known.b'],
  ],
  [
    'an embedded resource keeps its envelope',
    {
      spec: {
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 'a', y: 'b' } },
      },
    },
    { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 'a' } } } },
    ['spec.template.spec.y'],
  ],
  ['a wrong type is left to validation', { spec: { ports: 'nope' } }, { spec: { ports: 'nope' } }, []],
];

for (const [name, input, want, paths] of pruning)
  test(`prune: ${name}`, () => {
    const obj = structuredClone(input) as Record<string, unknown>;
    assert.equal(prune(obj, sensor), paths);
    assert.equal(obj, want);
  });

const defaulting: [string, unknown, unknown][] = [
  [
    'absent fields take their defaults',
    { spec: { location: 'a' } },
    { spec: { location: 'a', interval: 5, mode: 'poll' } },
  ],
  ['a given value stays', { spec: { interval: 3, mode: 'push' } }, { spec: { interval: 3, mode: 'push' } }],
  [
    'null where null is not allowed takes the default',
    { spec: { interval: null } },
    { spec: { interval: 5, mode: 'poll' } },
  ],
  [
    'inside array items',
    { spec: { ports: [{ port: 1 }, { port: 2, name: 'x' }] } },
    {
      spec: {
        ports: [
          { port: 1, name: 'p' },
          { port: 2, name: 'x' },
        ],
        interval: 5,
        mode: 'poll',
      },
    },
  ],
  ['no spec, no defaults inside it', {}, {}],
];

for (const [name, input, want] of defaulting)
  test(`defaults: ${name}`, () => {
    const obj = structuredClone(input);
    applyDefaults(obj, sensor);
    assert.equal(obj, want);
  });

const validate = compileValidator(sensor);
const validation: [string, unknown, string[]][] = [
  ['a valid object', { spec: { location: 'lab', interval: 3, threshold: '5%', note: null } }, []],
  ['required', { spec: {} }, ['spec.location: Required value']],
  [
    'type',
    { spec: { location: 'lab', interval: 'x' } },
    ['spec.interval: Invalid value: "string": spec.interval in body must be of type integer: "string"'],
  ],
  [
    'minimum',
    { spec: { location: 'lab', interval: 0 } },
    ['spec.interval: Invalid value: 0: spec.interval in body should be greater than or equal to 1'],
  ],
  [
    'maximum',
    { spec: { location: 'lab', interval: 11 } },
    ['spec.interval: Invalid value: 11: spec.interval in body should be less than or equal to 10'],
  ],
  [
    'exclusive minimum (OpenAPI v3.0 boolean form)',
    { spec: { location: 'lab', ratio: 0 } },
    ['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0'],
  ],
  [
    'enum',
    { spec: { location: 'lab', mode: 'x' } },
    ['spec.mode: Unsupported value: "x": supported values: "poll", "push"'],
  ],
  [
    'pattern',
    { spec: { location: 'Lab' } },
    [`spec.location: Invalid value: "Lab": spec.location in body should match '^[a-z]+$'`],
  ],
  [
    'minLength',
    { spec: { location: 'a' } },
    ['spec.location: Invalid value: "a": spec.location in body should be at least 2 chars long'],
  ],
  ['maxLength', { spec: { location: 'abcdefghi' } }, ['spec.location: Too long: may not be longer than 8']],
  [
    'maxItems',
    { spec: { location: 'lab', tags: ['a', 'b', 'c'] } },
    ['spec.tags: Too many: 3: must have at most 2 items'],
  ],
  [
    'int-or-string refuses a list',
    { spec: { location: 'lab', threshold: [1] } },
    [
      'spec.threshold: Invalid value: "array": spec.threshold in body must be of type integer,string: "array"',
    ],
  ],
  [
    'a path through an array',
    { spec: { location: 'lab', ports: [{ port: 1 }, { name: 'x' }] } },
    ['spec.ports[1].port: Required value'],
  ],
  [
    'null where not nullable',
    { spec: { location: 'lab', interval: null } },
    ['spec.interval: Invalid value: "null": spec.interval in body must be of type integer: "null"'],
  ],
  [
    'several at once',
    { spec: { location: 'Lab', interval: 0 } },
    ['spec.location: Invalid value: "Lab"', 'spec.interval: Invalid value: 0'],
  ],
];

for (const [name, obj, want] of validation)
  test(`validate: ${name}`, () => {
    const got = validate(obj).map((c) => `${c.field}: ${c.message}`);
    assert.is(got.length, want.length, got.join('\n'));
    for (const w of want)
      assert.ok(
        got.some((g) => g.startsWith(w)),
        `${w} not in\n${got.join('\n')}`,
      );
  });

test('validate: a pattern ajv cannot compile throws at compile time', () => {
  assert.throws(() => compileValidator(root({ x: { type: 'string', pattern: '([' } })));
});

const doc = {
  spec: { replicas: 3, items: [{ name: 'a' }, { name: 'b' }] },
  status: {
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Synced', status: 'False' },
    ],
  },
  metadata: { labels: { 'app.kubernetes.io/name': 'x' } },
};
const paths: [string, unknown[]][] = [
  ['.spec.replicas', [3]],
  ['{.spec.replicas}', [3]],
  ['.spec.items[1].name', ['b']],
  ['.spec.items[-1].name', ['b']],
  ['.spec.items[*].name', ['a', 'b']],
  ['.status.conditions[?(@.type=="Ready")].status', ['True']],
  [".metadata.labels['app.kubernetes.io/name']", ['x']],
  ['.spec.missing', []],
];
for (const [p, want] of paths)
  test(`jsonpath ${p}`, () => {
    assert.equal(evaluate(parseJsonPath(p), doc), want);
  });
test('jsonpath: an unsupported expression is refused', () => {
  assert.throws(() => parseJsonPath('.spec[?(@.a > 1)]'), /unsupported JSONPath/);
});

test('discovery prefers versions as Kubernetes does: GA, beta, alpha, then other names', () => {
  const vs = [
    'v1alpha1',
    'foo',
    'v1beta1',
    'v1',
    'v11alpha2',
    'v2',
    'v10beta3',
    'v12alpha1',
    'bar',
    'v3beta1',
    'v10',
  ];
  assert.equal(vs.sort(compareVersionPriority), [
    'v10',
    'v2',
    'v1',
    'v10beta3',
    'v3beta1',
    'v1beta1',
    'v12alpha1',
    'v11alpha2',
    'v1alpha1',
    'bar',
    'foo',
  ]);
});

test.run();
