// v1 Event (core/v1, the shape `kubectl describe` lists).

import type { Event } from '../../../shared/api/types.js';
import { any, int, kindSchema, obj, objectReference, str } from '../schema.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { notSupported, required } from '../meta.js';
import { age, col } from '../table.js';

export const events: ResourceDef<Event> = {
  group: '',
  version: 'v1',
  resource: 'events',
  kind: 'Event',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  schema: kindSchema({
    involvedObject: objectReference,
    reason: str,
    message: str,
    source: obj({ component: str, host: str }),
    firstTimestamp: str,
    lastTimestamp: str,
    count: int,
    type: str,
    eventTime: str,
    series: any,
    action: str,
    related: objectReference,
    reportingComponent: str,
    reportingInstance: str,
  }),
  validate(ev) {
    const causes = [];
    if (!ev.involvedObject) causes.push(required('involvedObject'));
    if (ev.type && ev.type !== 'Normal' && ev.type !== 'Warning')
      causes.push(notSupported('type', ev.type, ['Normal', 'Warning']));
    return causes;
  },
  table: {
    columns: [
      col('Last Seen', 'string', 'Time of the last occurrence'),
      col('Type', 'string', 'Type of this event (Normal, Warning)'),
      col('Reason', 'string', 'Why the action was taken'),
      col('Object', 'string', 'The object this Event is about'),
      col('Subobject', 'string', 'Field of the object', 1),
      col('Source', 'string', 'The component reporting this event', 1),
      col('Message', 'string', 'A human-readable description of the status of this operation'),
      col('First Seen', 'string', 'Time of the first occurrence', 1),
      col('Count', 'integer', 'How many times this event has occurred', 1),
      col('Name', 'string', 'Name of the event', 1, 'name'),
    ],
    cells: (ev, now) => {
      const last = ev.lastTimestamp ?? ev.eventTime ?? ev.metadata.creationTimestamp;
      const io = ev.involvedObject ?? {};
      const src = ev.source?.component ?? ev.reportingComponent ?? '';
      return [
        age(last, now),
        ev.type ?? '',
        ev.reason ?? '',
        `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`,
        io.fieldPath ?? '',
        ev.source?.host ? `${src}, ${ev.source.host}` : src,
        (ev.message ?? '').trim(),
        age(ev.firstTimestamp ?? last, now),
        ev.count ?? 1,
        ev.metadata.name,
      ];
    },
  },
};
