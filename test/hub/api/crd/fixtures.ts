// A Sensor CustomResourceDefinition for the CRD tests: two served versions (v1 stored,
// v1beta1), a status subresource, printer columns, short name and category, and a schema
// with required fields, a pattern, bounds, an enum, defaults, int-or-string and a subtree
// that preserves unknown fields.

import type { KubeObject } from '../../../../shared/api/types.js';

/** A Sensor as the tests read it back. */
export interface Sensor extends KubeObject {
  spec: {
    location?: string;
    intervalSeconds?: number;
    mode?: string;
    threshold?: number | string;
    extra?: Record<string, unknown>;
    bogus?: unknown;
  };
  status?: { reading?: number };
}

export const SENSOR_CRD_NAME = 'sensors.fleet.example.com';

const schema = `
        openAPIV3Schema:
          type: object
          description: A Sensor is a probe on a board.
          properties:
            spec:
              type: object
              description: What the sensor reads and how often.
              required: [location]
              properties:
                location:
                  type: string
                  description: Where the sensor sits.
                  pattern: '^[a-z][a-z0-9-]*$'
                intervalSeconds:
                  type: integer
                  description: Seconds between readings.
                  minimum: 1
                  maximum: 3600
                  default: 60
                mode:
                  type: string
                  enum: [poll, push]
                  default: poll
                threshold:
                  x-kubernetes-int-or-string: true
                tags:
                  type: array
                  items:
                    type: string
                extra:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
            status:
              type: object
              properties:
                reading:
                  type: number
                phase:
                  type: string`;

const columns = `
      additionalPrinterColumns:
        - name: Location
          type: string
          jsonPath: .spec.location
        - name: Interval
          type: integer
          jsonPath: .spec.intervalSeconds
        - name: Reading
          type: number
          jsonPath: .status.reading
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp`;

export function sensorCrdYaml(scope: 'Namespaced' | 'Cluster' = 'Namespaced'): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${SENSOR_CRD_NAME}
spec:
  group: fleet.example.com
  scope: ${scope}
  names:
    plural: sensors
    singular: sensor
    kind: Sensor
    shortNames: [sn]
    categories: [fleet]
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
      schema:${schema}${columns}
    - name: v1beta1
      served: true
      storage: false
      subresources:
        status: {}
      schema:${schema}
`;
}

export function sensorYaml(name: string, spec: string, version = 'v1'): string {
  return `apiVersion: fleet.example.com/${version}
kind: Sensor
metadata:
  name: ${name}
  labels:
    room: lab
spec:
${spec}
`;
}
