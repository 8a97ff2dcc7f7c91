// Every NATS core subject hubs use to talk to each other (several hubs on one NATS cluster),
// built here and nowhere else. Core NATS, not JetStream: these are live signals (a heartbeat
// seen, a message for a board), worthless after a few seconds, never store writes.
//   drover.hubs.presence        every hub -> all hubs   PresenceBatch: boards heard from, last wills
//   drover.hubs.hub.{hubId}     any hub -> one hub      HubMessage: for a board it holds, an RPC answer for its call
//   drover.hubs.kick            leader -> all hubs      KickMessage: drop a board's connection (credential revoked)

export const RELAY_ROOT = 'drover.hubs';

/** A hub's id on the relay: random per process, [a-f0-9]; it prefixes the RPC ids the hub makes. */
export const HUB_ID_RE = /^[a-f0-9]{8,32}$/;

export const subjects = {
  presence: `${RELAY_ROOT}.presence`,
  toHub: (hubId: string) => {
    if (!HUB_ID_RE.test(hubId)) throw new Error(`invalid hub id for a subject: ${JSON.stringify(hubId)}`);
    return `${RELAY_ROOT}.hub.${hubId}`;
  },
  kick: `${RELAY_ROOT}.kick`,
};
