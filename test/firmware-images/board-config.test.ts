// drover.json validation (shared by `drover image config` and first boot), node names from
// serials, and the CLI that writes the file, on the real CLI process.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BoardConfigError,
  formatBoardConfig,
  parseBoardConfig,
  resolveNodeName,
  validateBoardConfig,
  withoutToken,
} from '../../firmware-images/config/board-config.js';
import { loadAgentConfig } from '../../agent/config.js';
import { agentConfigFor } from '../../firmware-images/firstboot/agent-config.js';
import { drover } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const TOKEN = 'abcdef.0123456789abcdef';
const HASH = `sha256:${'ab'.repeat(32)}`;

test.after(() => cleanupTempDirs());

const refused: [string, unknown, string, RegExp][] = [
  ['not an object', [], 'drover.json', /JSON object/],
  ['no hub', { token: TOKEN }, 'hub', /required/],
  ['hub not a URL', { hub: 'hub:1883' }, 'hub', /mqtts:\/\//],
  ['hub over http', { hub: 'http://hub:1883' }, 'hub', /must be mqtts:\/\//],
  ['hub list with a number', { hub: ['mqtts://a:8883', 5] }, 'hub', /list of strings/],
  ['hub list mixing TLS and plain', { hub: ['mqtts://a:8883', 'mqtt://b:1883'] }, 'hub', /mix of mqtts/],
  ['hub listed twice', { hub: ['mqtts://a:8883', 'mqtts://a:8883'] }, 'hub', /listed twice/],
  ['short token', { hub: 'mqtt://h', token: 'abc' }, 'token', /abcdef\.0123456789abcdef/],
  ['token not a string', { hub: 'mqtt://h', token: 12 }, 'token', /bootstrap token/],
  ['caHash without sha256:', { hub: 'mqtt://h', caHash: 'ab'.repeat(32) }, 'caHash', /sha256:/],
  ['uppercase name', { hub: 'mqtt://h', name: 'Edge_1' }, 'name', /DNS-1123/],
  ['labels as a list', { hub: 'mqtt://h', labels: ['a=b'] }, 'labels', /object/],
  ['label value a number', { hub: 'mqtt://h', labels: { a: 1 } }, 'labels', /must be a string/],
  ['ssh key not a key', { hub: 'mqtt://h', sshAuthorizedKeys: ['hello'] }, 'sshAuthorizedKeys', /public key/],
  ['unknown key', { hub: 'mqtt://h', tokne: TOKEN }, 'tokne', /unknown key/],
];

for (const [name, input, key, message] of refused)
  test(`refused: ${name} (one line naming ${key})`, () => {
    try {
      validateBoardConfig(input);
      assert.unreachable('accepted');
    } catch (e) {
      assert.instance(e, BoardConfigError);
      assert.is((e as BoardConfigError).key, key);
      assert.match((e as Error).message, message);
      assert.not.match((e as Error).message, /\n/);
    }
  });

test('not JSON is a BoardConfigError, not a SyntaxError', () => {
  assert.throws(
    () => parseBoardConfig('{"hub": '),
    (e: Error) => e instanceof BoardConfigError && /not valid JSON/.test(e.message),
  );
});

test('accepted: one hub or several, token, CA hash, name template, labels, ssh key; defaults filled', () => {
  const c = validateBoardConfig({
    hub: ['mqtts://a:8883', 'mqtts://b:8883'],
    token: TOKEN,
    caHash: HASH,
    name: 'pi-{serial}',
    labels: { site: 'barn' },
    sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza me@laptop'],
  });
  assert.equal(c.hub, ['mqtts://a:8883', 'mqtts://b:8883']);
  assert.is(c.token, TOKEN);
  assert.is(c.caHash, HASH);
  const d = validateBoardConfig({ hub: 'mqtt://h:1883' });
  assert.equal(d, { hub: ['mqtt://h:1883'], name: 'drover-{serial}', labels: {}, sshAuthorizedKeys: [] });
});

test('formatBoardConfig round-trips, and withoutToken drops only the token', () => {
  const c = validateBoardConfig({
    hub: 'mqtts://a:8883',
    token: TOKEN,
    caHash: HASH,
    name: 'n1',
    labels: { a: 'b' },
  });
  assert.equal(parseBoardConfig(formatBoardConfig(c)), c);
  const gone = parseBoardConfig(formatBoardConfig(withoutToken(c)));
  assert.is(gone.token, undefined);
  assert.equal(gone, withoutToken(c));
  assert.is(gone.caHash, HASH);
});

for (const hub of [['mqtts://a:8883'], ['mqtts://a:8883', 'mqtts://b:8883', 'mqtts://c:8883']])
  test(`first boot's agent config from drover.json with ${hub.length} hub(s) is what the agent accepts`, () => {
    const c = validateBoardConfig({
      hub,
      token: TOKEN,
      caHash: HASH,
      name: 'pi-1',
      labels: { site: 'barn' },
    });
    // Through the agent's own file loader (it refuses unknown keys), as drover-agent.service runs it.
    const file = join(tempDir('drover-fb-agent-'), 'agent.json');
    writeFileSync(file, JSON.stringify(agentConfigFor(c, 'pi-1')));
    const a = loadAgentConfig(['--config', file], {});
    assert.equal(a.hubUrls, hub, 'every hub, in order (the agent fails over in turn)');
    assert.is(a.nodeName, 'pi-1');
    assert.is(a.token, TOKEN);
    assert.is(a.caHash, HASH);
  });

const names: [string, string | undefined, string][] = [
  ['edge-1', undefined, 'edge-1'],
  ['pi-{serial}', '10000000ABCDEF12', 'pi-abcdef12'],
  ['pi-{serial}', '1234\0', 'pi-1234'],
  ['{serial}.farm', 'c0ffee', 'c0ffee.farm'],
];
for (const [template, serial, want] of names)
  test(`node name ${template} with serial ${JSON.stringify(serial)} -> ${want}`, () => {
    assert.is(resolveNodeName(template, serial), want);
  });

test('a {serial} name on a board without a serial is refused with the fix', () => {
  assert.throws(() => resolveNodeName('pi-{serial}', undefined), /set a name/);
});

test('drover image config writes drover.json; a bad flag exits 2 with the problem', async () => {
  const ok = await drover([
    'image',
    'config',
    '--hub',
    'mqtts://hub:8883,mqtts://hub2:8883',
    '--token',
    TOKEN,
    '--ca-hash',
    HASH,
    '--labels',
    'site=barn',
  ]);
  assert.is(ok.code, 0, ok.stderr);
  const c = parseBoardConfig(ok.stdout);
  assert.equal(c.hub, ['mqtts://hub:8883', 'mqtts://hub2:8883']);
  assert.is(c.token, TOKEN);
  assert.is(c.name, 'drover-{serial}');
  assert.equal(c.labels, { site: 'barn' });
  const bad = await drover(['image', 'config', '--hub', 'mqtts://hub:8883', '--token', 'abc']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /token: a bootstrap token looks like/);
  assert.is(bad.stdout, '');
});

test.run();
