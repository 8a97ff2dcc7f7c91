// What a node may say in an event: a reason that is a short name, a message of at most 1 KiB
// (events.k8s.io's note limit; longer is cut, as client-go's recorder does, and control
// characters replaced), about an object whose strings are bounded. Which object it may be
// about is checked against the store by agent-events.ts.

import type { StatusCause } from '../../../shared/api/types.js';
import type { AgentEvent } from '../../../shared/protocol/messages.js';
import { cause, required } from '../../api/meta.js';
import { REPORT_LIMITS } from './limits.js';
import { checkText, sanitizeFreeText, stringProblems } from './text.js';

/** The event with its message cut and sanitized, and every rule it breaks (empty = admit). */
export function eventAfterReport(ev: AgentEvent): { event: AgentEvent; problems: StatusCause[] } {
  const problems = [
    ...checkText(ev.involvedObject, 'involvedObject'),
    ...stringProblems(ev.reason, REPORT_LIMITS.maxEventReasonChars).map((m) => cause('reason', m)),
  ];
  if (ev.reason === '') problems.push(required('reason'));
  const message = sanitizeFreeText(ev.message, REPORT_LIMITS.maxEventMessageChars);
  return { event: { ...ev, message }, problems };
}
