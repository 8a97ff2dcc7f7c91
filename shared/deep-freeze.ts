// Deep freezing of objects that many readers share (the informers' caches, the API's watch
// objects): in the test suite they are frozen, so a reader that mutates one throws there
// instead of silently changing what every other reader sees. Off in production: the walk costs
// as much as a copy and the rule (copy, then change the copy) does not need it.

/** Set by the test runner (scripts/test.mjs): shared objects are frozen. */
export const FREEZE_ENV = 'DROVER_TEST';

/** Whether shared objects are frozen in this process by default (the test runner's processes). */
export function freezeShared(): boolean {
  return process.env[FREEZE_ENV] === '1';
}

/** Freezes v and everything it holds; returns v. A frozen object is taken as frozen through. */
export function deepFreeze<V>(v: V): V {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  for (const x of Object.values(v)) deepFreeze(x);
  return Object.freeze(v);
}
