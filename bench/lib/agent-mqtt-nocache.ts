// Preload for the footprint benchmark (`node --import dist/bench/lib/agent-mqtt-nocache.js
// dist/agent/main.js ...`): measures what the agent saves with mqtt.js's `writeCache: false`
// option. By default mqtt-packet pre-builds a 2-byte Buffer for each of the 65,536 message ids
// on the first packet written: ~6 MB of heap that an agent sending a few packets a minute never
// needs. The fix belongs in the agent's connect options; this only shows what it is worth.
import mqttPacket from 'mqtt-packet';

mqttPacket.writeToStream.cacheNumbers = false;
