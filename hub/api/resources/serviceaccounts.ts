// v1 ServiceAccount: an identity for automation. Its tokens come from the `token` subresource
// (TokenRequest, what `kubectl create token NAME` posts), served by hub/auth/token-request.ts.

import type { KubeObject } from '../../../shared/api/types.js';
import { arr, bool, kindSchema, obj, str } from '../schema.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { age, ageColumn, nameColumn } from '../table.js';

export interface ServiceAccount extends KubeObject {
  secrets?: { name?: string }[];
  imagePullSecrets?: { name?: string }[];
  automountServiceAccountToken?: boolean;
}

const ref = arr(obj({ name: str, namespace: str, kind: str, apiVersion: str, uid: str }));

export const serviceaccounts: ResourceDef<ServiceAccount> = {
  group: '',
  version: 'v1',
  resource: 'serviceaccounts',
  kind: 'ServiceAccount',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['token'],
  schema: kindSchema({ secrets: ref, imagePullSecrets: ref, automountServiceAccountToken: bool }),
  table: {
    columns: [nameColumn, ageColumn],
    cells: (sa, now) => [sa.metadata.name, age(sa.metadata.creationTimestamp, now)],
  },
};
