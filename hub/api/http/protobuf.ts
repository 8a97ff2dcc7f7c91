// Minimal decoder for Kubernetes protobuf request bodies. kubectl's typed clients (`kubectl
// create namespace|configmap|secret ...`) send `application/vnd.kubernetes.protobuf`; this
// turns those into the JSON shape. Only the kinds listed in KINDS are understood (add a
// schema to extend); responses are always JSON, which client-go accepts.
// Wire format: "k8s\0" + runtime.Unknown{typeMeta=1{apiVersion=1,kind=2}, raw=2, ...}.

import { BadRequestError, UnsupportedMediaTypeError } from '../errors.js';

type Field =
  | {
      name: string;
      t: 'string' | 'bytes' | 'int' | 'bool' | 'time' | 'map' | 'mapBytes' | 'intOrString';
      repeated?: boolean;
      /**
       * A Go string without a pointer: protobuf carries "" where JSON's omitempty leaves the
       * field out, so "" is read as absent (and defaulted as JSON would be).
       */
      omitEmpty?: boolean;
    }
  | { name: string; t: 'msg'; msg: Schema; repeated?: boolean };
type Schema = Record<number, Field>;

const time: Field['t'] = 'time';
const ownerRef: Schema = {
  1: { name: 'kind', t: 'string' },
  3: { name: 'name', t: 'string' },
  4: { name: 'uid', t: 'string' },
  5: { name: 'apiVersion', t: 'string' },
  6: { name: 'controller', t: 'bool' },
  7: { name: 'blockOwnerDeletion', t: 'bool' },
};
const objectMeta: Schema = {
  1: { name: 'name', t: 'string' },
  2: { name: 'generateName', t: 'string' },
  3: { name: 'namespace', t: 'string' },
  5: { name: 'uid', t: 'string' },
  6: { name: 'resourceVersion', t: 'string' },
  7: { name: 'generation', t: 'int' },
  8: { name: 'creationTimestamp', t: time },
  9: { name: 'deletionTimestamp', t: time },
  10: { name: 'deletionGracePeriodSeconds', t: 'int' },
  11: { name: 'labels', t: 'map' },
  12: { name: 'annotations', t: 'map' },
  13: { name: 'ownerReferences', t: 'msg', msg: ownerRef, repeated: true },
  14: { name: 'finalizers', t: 'string', repeated: true },
};
const meta: Field = { name: 'metadata', t: 'msg', msg: objectMeta };

// apps/v1 Deployment as `kubectl create deployment` sends it (apps/v1 and core/v1
// generated.proto): the fields that command sets. The template's metadata omits
// creationTimestamp (a zero Time would decode to 1970).
const labelSelectorPb: Schema = {
  1: { name: 'matchLabels', t: 'map' },
  2: {
    name: 'matchExpressions',
    t: 'msg',
    repeated: true,
    msg: {
      1: { name: 'key', t: 'string' },
      2: { name: 'operator', t: 'string' },
      3: { name: 'values', t: 'string', repeated: true },
    },
  },
};
const containerPb: Schema = {
  1: { name: 'name', t: 'string' },
  2: { name: 'image', t: 'string' },
  3: { name: 'command', t: 'string', repeated: true },
  4: { name: 'args', t: 'string', repeated: true },
  6: {
    name: 'ports',
    t: 'msg',
    repeated: true,
    msg: {
      1: { name: 'name', t: 'string' },
      3: { name: 'containerPort', t: 'int' },
      4: { name: 'protocol', t: 'string' },
    },
  },
  7: {
    name: 'env',
    t: 'msg',
    repeated: true,
    msg: { 1: { name: 'name', t: 'string' }, 2: { name: 'value', t: 'string' } },
  },
};
const podTemplatePb: Schema = {
  1: {
    name: 'metadata',
    t: 'msg',
    msg: { 11: { name: 'labels', t: 'map' }, 12: { name: 'annotations', t: 'map' } },
  },
  2: {
    name: 'spec',
    t: 'msg',
    msg: {
      2: { name: 'containers', t: 'msg', repeated: true, msg: containerPb },
      3: { name: 'restartPolicy', t: 'string' },
    },
  },
};

// batch/v1 Job and CronJob as `kubectl create job|cronjob` send them (batch/v1 generated.proto).
const jobSpecPb: Schema = {
  1: { name: 'parallelism', t: 'int' },
  2: { name: 'completions', t: 'int' },
  3: { name: 'activeDeadlineSeconds', t: 'int' },
  4: { name: 'selector', t: 'msg', msg: labelSelectorPb },
  5: { name: 'manualSelector', t: 'bool' },
  6: { name: 'template', t: 'msg', msg: podTemplatePb },
  7: { name: 'backoffLimit', t: 'int' },
  8: { name: 'ttlSecondsAfterFinished', t: 'int' },
  9: { name: 'completionMode', t: 'string' },
  10: { name: 'suspend', t: 'bool' },
};
const cronJobSpecPb: Schema = {
  1: { name: 'schedule', t: 'string' },
  2: { name: 'startingDeadlineSeconds', t: 'int' },
  3: { name: 'concurrencyPolicy', t: 'string', omitEmpty: true },
  4: { name: 'suspend', t: 'bool' },
  5: {
    name: 'jobTemplate',
    t: 'msg',
    msg: {
      1: {
        name: 'metadata',
        t: 'msg',
        msg: {
          1: { name: 'name', t: 'string' },
          11: { name: 'labels', t: 'map' },
          12: { name: 'annotations', t: 'map' },
        },
      },
      2: { name: 'spec', t: 'msg', msg: jobSpecPb },
    },
  },
  6: { name: 'successfulJobsHistoryLimit', t: 'int' },
  7: { name: 'failedJobsHistoryLimit', t: 'int' },
  8: { name: 'timeZone', t: 'string' },
};

// policy/v1 Eviction as `kubectl drain` sends it: metadata and meta/v1 DeleteOptions.
const deleteOptionsPb: Schema = {
  1: { name: 'gracePeriodSeconds', t: 'int' },
  2: {
    name: 'preconditions',
    t: 'msg',
    msg: { 1: { name: 'uid', t: 'string' }, 2: { name: 'resourceVersion', t: 'string' } },
  },
  4: { name: 'propagationPolicy', t: 'string' },
  5: { name: 'dryRun', t: 'string', repeated: true },
};

// rbac/v1, authentication/v1 and authorization/v1 as `kubectl create rolebinding|token` and
// `kubectl auth can-i` send them.
const policyRulePb: Schema = {
  1: { name: 'verbs', t: 'string', repeated: true },
  2: { name: 'apiGroups', t: 'string', repeated: true },
  3: { name: 'resources', t: 'string', repeated: true },
  4: { name: 'resourceNames', t: 'string', repeated: true },
  5: { name: 'nonResourceURLs', t: 'string', repeated: true },
};
const rolePb: Schema = { 1: meta, 2: { name: 'rules', t: 'msg', msg: policyRulePb, repeated: true } };
const bindingPb: Schema = {
  1: meta,
  2: {
    name: 'subjects',
    t: 'msg',
    repeated: true,
    msg: {
      1: { name: 'kind', t: 'string' },
      2: { name: 'apiGroup', t: 'string' },
      3: { name: 'name', t: 'string' },
      4: { name: 'namespace', t: 'string' },
    },
  },
  3: {
    name: 'roleRef',
    t: 'msg',
    msg: {
      1: { name: 'apiGroup', t: 'string' },
      2: { name: 'kind', t: 'string' },
      3: { name: 'name', t: 'string' },
    },
  },
};
const nameRef: Schema = { 1: { name: 'name', t: 'string' } };

/** Schemas by kind (k8s.io/api core/v1 generated.proto field numbers). */
export const KINDS: Record<string, Schema> = {
  ServiceAccount: {
    1: meta,
    2: {
      name: 'secrets',
      t: 'msg',
      msg: {
        1: { name: 'kind', t: 'string' },
        2: { name: 'namespace', t: 'string' },
        3: { name: 'name', t: 'string' },
      },
      repeated: true,
    },
    3: { name: 'imagePullSecrets', t: 'msg', msg: nameRef, repeated: true },
    4: { name: 'automountServiceAccountToken', t: 'bool' },
  },
  Role: rolePb,
  ClusterRole: rolePb,
  RoleBinding: bindingPb,
  ClusterRoleBinding: bindingPb,
  TokenRequest: {
    1: meta,
    2: {
      name: 'spec',
      t: 'msg',
      msg: {
        1: { name: 'audiences', t: 'string', repeated: true },
        4: { name: 'expirationSeconds', t: 'int' },
      },
    },
  },
  // kubectl auth whoami: only metadata matters (the answer is the request's user).
  SelfSubjectReview: { 1: meta },
  SelfSubjectAccessReview: {
    1: meta,
    2: {
      name: 'spec',
      t: 'msg',
      msg: {
        1: {
          name: 'resourceAttributes',
          t: 'msg',
          msg: {
            1: { name: 'namespace', t: 'string' },
            2: { name: 'verb', t: 'string' },
            3: { name: 'group', t: 'string' },
            4: { name: 'version', t: 'string' },
            5: { name: 'resource', t: 'string' },
            6: { name: 'subresource', t: 'string' },
            7: { name: 'name', t: 'string' },
          },
        },
        2: {
          name: 'nonResourceAttributes',
          t: 'msg',
          msg: { 1: { name: 'path', t: 'string' }, 2: { name: 'verb', t: 'string' } },
        },
      },
    },
  },
  Eviction: { 1: meta, 2: { name: 'deleteOptions', t: 'msg', msg: deleteOptionsPb } },
  Namespace: {
    1: meta,
    2: { name: 'spec', t: 'msg', msg: { 1: { name: 'finalizers', t: 'string', repeated: true } } },
  },
  ConfigMap: {
    1: meta,
    2: { name: 'data', t: 'map' },
    3: { name: 'binaryData', t: 'mapBytes' },
    4: { name: 'immutable', t: 'bool' },
  },
  Deployment: {
    1: meta,
    2: {
      name: 'spec',
      t: 'msg',
      msg: {
        1: { name: 'replicas', t: 'int' },
        2: { name: 'selector', t: 'msg', msg: labelSelectorPb },
        3: { name: 'template', t: 'msg', msg: podTemplatePb },
      },
    },
  },
  Job: { 1: meta, 2: { name: 'spec', t: 'msg', msg: jobSpecPb } },
  CronJob: { 1: meta, 2: { name: 'spec', t: 'msg', msg: cronJobSpecPb } },
  // core/v1 Service as `kubectl create service` sends it.
  Service: {
    1: meta,
    2: {
      name: 'spec',
      t: 'msg',
      msg: {
        1: {
          name: 'ports',
          t: 'msg',
          repeated: true,
          msg: {
            1: { name: 'name', t: 'string' },
            2: { name: 'protocol', t: 'string' },
            3: { name: 'port', t: 'int' },
            4: { name: 'targetPort', t: 'intOrString' },
            5: { name: 'nodePort', t: 'int' },
            6: { name: 'appProtocol', t: 'string' },
          },
        },
        2: { name: 'selector', t: 'map' },
        3: { name: 'clusterIP', t: 'string' },
        4: { name: 'type', t: 'string' },
        5: { name: 'externalIPs', t: 'string', repeated: true },
        7: { name: 'sessionAffinity', t: 'string' },
        10: { name: 'externalName', t: 'string' },
        11: { name: 'externalTrafficPolicy', t: 'string' },
        13: { name: 'publishNotReadyAddresses', t: 'bool' },
        17: { name: 'ipFamilyPolicy', t: 'string' },
        18: { name: 'clusterIPs', t: 'string', repeated: true },
        19: { name: 'ipFamilies', t: 'string', repeated: true },
        22: { name: 'internalTrafficPolicy', t: 'string' },
      },
    },
  },
  // autoscaling/v1 as `kubectl autoscale` sends it (kubectl 1.32 posts v1 only).
  HorizontalPodAutoscaler: {
    1: meta,
    2: {
      name: 'spec',
      t: 'msg',
      msg: {
        1: {
          name: 'scaleTargetRef',
          t: 'msg',
          msg: {
            1: { name: 'kind', t: 'string' },
            2: { name: 'name', t: 'string' },
            3: { name: 'apiVersion', t: 'string' },
          },
        },
        2: { name: 'minReplicas', t: 'int' },
        3: { name: 'maxReplicas', t: 'int' },
        4: { name: 'targetCPUUtilizationPercentage', t: 'int' },
      },
    },
  },
  Secret: {
    1: meta,
    2: { name: 'data', t: 'mapBytes' },
    3: { name: 'type', t: 'string' },
    4: { name: 'stringData', t: 'map' },
    5: { name: 'immutable', t: 'bool' },
  },
};

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new BadRequestError('protobuf body is truncated');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new BadRequestError('protobuf varint is too long');
  }
  bytes(): Buffer {
    const n = this.varint();
    if (this.pos + n > this.buf.length) throw new BadRequestError('protobuf body is truncated');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new BadRequestError(`protobuf wire type ${wire} is not supported`);
  }
}

/** Raw fields: number -> list of (wire type, value). */
function fields(buf: Buffer): Map<number, (number | Buffer)[]> {
  const r = new Reader(buf);
  const out = new Map<number, (number | Buffer)[]>();
  while (!r.done) {
    const tag = r.varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    let v: number | Buffer | undefined;
    if (wire === 0) v = r.varint();
    else if (wire === 2) v = r.bytes();
    else r.skip(wire);
    if (v === undefined) continue;
    // Append in place: copying the list per field is quadratic in a body of many repeats.
    const list = out.get(no);
    if (list) list.push(v);
    else out.set(no, [v]);
  }
  return out;
}

function str(v: number | Buffer): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [no, values] of fields(buf)) {
    const f = schema[no];
    if (!f) continue;
    const conv = (v: number | Buffer): unknown => {
      switch (f.t) {
        case 'string':
          return str(v);
        case 'bytes':
          return Buffer.isBuffer(v) ? v.toString('base64') : '';
        case 'int':
          return typeof v === 'number' ? v : 0;
        case 'bool':
          return v === 1;
        case 'time': {
          const m = Buffer.isBuffer(v) ? fields(v) : new Map();
          const secs = Number(m.get(1)?.[0] ?? 0);
          return new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        }
        case 'msg':
          return Buffer.isBuffer(v) ? decodeMessage(v, f.msg) : {};
        case 'intOrString': {
          // util/intstr IntOrString: type=1 (0 int, 1 string), intVal=2, strVal=3.
          const m = Buffer.isBuffer(v) ? fields(v) : new Map();
          return Number(m.get(1)?.[0] ?? 0) === 1 ? str(m.get(3)?.[0] ?? '') : Number(m.get(2)?.[0] ?? 0);
        }
        default:
          return undefined;
      }
    };
    if (f.t === 'map' || f.t === 'mapBytes') {
      const m: Record<string, string> = {};
      for (const v of values) {
        if (!Buffer.isBuffer(v)) continue;
        const e = fields(v);
        const k = e.get(1)?.[0];
        const val = e.get(2)?.[0];
        m[k === undefined ? '' : str(k)] =
          f.t === 'mapBytes'
            ? Buffer.isBuffer(val)
              ? val.toString('base64')
              : ''
            : val === undefined
              ? ''
              : str(val);
      }
      out[f.name] = m;
    } else if (f.repeated) out[f.name] = values.map(conv);
    else {
      const v = conv(values[values.length - 1]);
      if (!('omitEmpty' in f && f.omitEmpty && v === '')) out[f.name] = v;
    }
  }
  return out;
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export function decodeKubeProtobuf(buf: Buffer): unknown {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC))
    throw new BadRequestError('protobuf body does not start with the Kubernetes "k8s\\0" prefix');
  const unknown = fields(buf.subarray(4));
  const tm = unknown.get(1)?.[0];
  const raw = unknown.get(2)?.[0];
  const typeMeta = Buffer.isBuffer(tm) ? fields(tm) : new Map();
  const apiVersion = typeMeta.get(1)?.[0];
  const kind = typeMeta.get(2)?.[0];
  const kindName = kind === undefined ? '' : str(kind);
  const schema = KINDS[kindName];
  if (!schema)
    throw new UnsupportedMediaTypeError(
      `application/vnd.kubernetes.protobuf for kind "${kindName}" (protobuf is understood for ${Object.keys(KINDS).join(', ')}; send JSON or YAML)`,
    );
  return {
    apiVersion: apiVersion === undefined ? 'v1' : str(apiVersion),
    kind: kindName,
    ...decodeMessage(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0), schema),
  };
}
