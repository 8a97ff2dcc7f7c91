// Where a node stands against its grace: the node lifecycle's timing rules as a pure function
// of what the hub knows (its lease table, the node's registration, the hub's start), so they
// are tested as a table (test/hub/controllers/node-standing.test.ts).
//   heard from since the hub started: the grace from its last message;
//   not heard from since the start (registered before it): the start-up grace from the start,
//     connected or not (a will from a connection that dropped in the reconnect storm does
//     not cut it short), and beyond it while boards are still coming back (below);
//   registered since the start and not heard from yet: the grace from its registration;
//   its hub found dead (several hubs): the start-up grace from when that was found, and beyond
//     it while that hub's boards are still re-homing (the same rule, counted from their returns).
// Boards still coming back: after a hub start a fleet returns at the pace of whatever is
// slowest on the way (the hub's TLS handshakes, the network, the boards' CPUs): 10,000 boards
// took 89 s at ~130/s on the bench machine while the hub sat at 41% of a core, and a fixed
// start-up grace (grace + the longest reconnect wait, 70 s) marked the 763 not yet back. The
// hub cannot tell a board waiting its turn from a dead one, but it sees the return go on: while
// some board was heard from for the first time within `returnQuiet` (the longest reconnect
// wait: a board in its backoff has tried again by then), a board not yet back keeps its state.
// Bounded by maxStartupGrace after the start, so a fleet trickling back one board at a time
// does not keep a dead board Ready for good. A dead hub's boards move the same way: 10,000 of them
// re-joining two loaded hubs took 104 s on the bench machine and the fixed grace marked 257
// (fleet-hubs at 30,000 boards); while some orphaned board came back within returnQuiet, one
// not yet back keeps its state, up to maxStartupGrace after its hub was found dead.

export interface StandingInput {
  now: number;
  /** The hub's start (the node lifecycle counts it as every node's lastSeen until heard), ms since epoch. */
  startTime: number;
  /** No message for this long -> not ready, ms. */
  grace: number;
  /** A node not heard from since the start keeps its state this long after the start, ms. */
  startupGrace: number;
  /** ... and while another node was first heard from within this long (boards still coming back), ms. */
  returnQuiet: number;
  /** ... but no longer than this after the start, ms. */
  maxStartupGrace: number;
  /** The node's last message since the start (undefined: not heard from since the start), ms since epoch. */
  heard?: number;
  /** Its registration (creationTimestamp), ms since epoch; 0 when unknown. */
  created: number;
  /** False after a last will with no message since. */
  connected: boolean;
  /** When its hub was found dead, if it has not been heard from since (several hubs), ms since epoch. */
  orphanedAt?: number;
  /** When a node was last heard from for the first time since the start, ms since epoch. */
  lastArrival?: number;
  /** When an orphaned node (its hub found dead) was last heard from again, ms since epoch. */
  lastOrphanReturn?: number;
}

export interface Standing {
  /** Heard from since the start. */
  heard: boolean;
  /** What counts as its last message (the start, its registration or its hub's death when not heard). */
  lastSeen: number;
  connected: boolean;
  /** Not heard since the start, disconnected, or orphaned: it may be on its way back. */
  reconnecting: boolean;
  /** Within its window: it keeps its state (or is Ready as reported, when checkReady). */
  within: boolean;
  /** Heard from since the start and not orphaned: its Ready and taints get a look. */
  checkReady: boolean;
  /** When its window ends, ms since epoch (look again then). */
  until: number;
}

export function nodeStanding(i: StandingInput): Standing {
  const notHeardSinceStart = i.heard === undefined && i.created <= i.startTime;
  let lastSeen = i.heard ?? Math.max(i.startTime, i.created);
  let until = lastSeen + (notHeardSinceStart ? i.startupGrace : i.grace);
  if (i.orphanedAt !== undefined && i.orphanedAt + i.startupGrace > until) {
    lastSeen = i.orphanedAt;
    until = i.orphanedAt + i.startupGrace;
  }
  if (notHeardSinceStart && i.lastArrival !== undefined)
    until = Math.max(until, Math.min(i.lastArrival + i.returnQuiet, i.startTime + i.maxStartupGrace));
  if (i.orphanedAt !== undefined && i.lastOrphanReturn !== undefined && i.lastOrphanReturn >= i.orphanedAt)
    until = Math.max(until, Math.min(i.lastOrphanReturn + i.returnQuiet, i.orphanedAt + i.maxStartupGrace));
  return {
    heard: i.heard !== undefined,
    lastSeen,
    connected: i.connected,
    reconnecting: i.heard === undefined || !i.connected || i.orphanedAt !== undefined,
    within: (i.heard === undefined || i.connected || i.orphanedAt !== undefined) && i.now < until,
    checkReady: i.heard !== undefined && i.orphanedAt === undefined,
    until,
  };
}
