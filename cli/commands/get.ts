// `drover get TYPE [NAME] [-n NS | -A] [-o wide|json|yaml] [-l SELECTOR]`

import { stringify as toYaml } from 'yaml';
import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { apiRequest, resolveApiTarget, resourceInfo, resourcePath, TABLE_ACCEPT } from '../api.js';
import { TARGET_FLAGS, UsageError } from '../common.js';
import { isApiTable, renderList, renderTable } from '../table.js';
import type { KubeList, KubeObject } from '../../shared/api/types.js';

export const GET_USAGE = `Usage: drover get TYPE [NAME] [options]

TYPE: nodes (no), pods (po), namespaces (ns), deployments, replicasets, daemonsets, events, ...

Options:
  -n, --namespace NS     namespace (default: default)
  -A, --all-namespaces   every namespace
  -o, --output FORMAT    wide | json | yaml (default: table)
  -l, --selector SEL     label selector, e.g. zone=lab
      --server URL       hub API URL (default: from the kubeconfig)
      --kubeconfig FILE  (default: $DROVER_KUBECONFIG or ./.drover/hub/kubeconfig)
`;

export async function getCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, {
    ...TARGET_FLAGS,
    namespace: { type: 'string', aliases: ['-n'] },
    'all-namespaces': { type: 'boolean', aliases: ['-A'] },
    output: { type: 'string', aliases: ['-o'] },
    selector: { type: 'string', aliases: ['-l'] },
    help: { type: 'boolean', aliases: ['-h'] },
  });
  if (flagBool(f, 'help')) {
    out(GET_USAGE);
    return 0;
  }
  const [type, name] = f.positionals;
  if (!type) throw new UsageError('get needs a resource type, e.g. `drover get nodes`', GET_USAGE);
  const output = flagString(f, 'output') ?? '';
  if (!['', 'wide', 'json', 'yaml'].includes(output))
    throw new UsageError(`unknown output format ${JSON.stringify(output)}`, GET_USAGE);
  const r = resourceInfo(type);
  const all = flagBool(f, 'all-namespaces');
  const ns = all ? undefined : (flagString(f, 'namespace') ?? 'default');
  const target = resolveApiTarget({
    server: flagString(f, 'server'),
    kubeconfig: flagString(f, 'kubeconfig'),
  });
  const q = new URLSearchParams();
  const sel = flagString(f, 'selector');
  if (sel && !name) q.set('labelSelector', sel);
  const structured = output === 'json' || output === 'yaml';
  if (!structured && all && r.namespaced) q.set('includeObject', 'Metadata');
  const path = resourcePath(r, ns, name) + (q.toString() ? `?${q}` : '');
  const body = await apiRequest<unknown>(target, path, {
    accept: structured ? 'application/json' : TABLE_ACCEPT,
  });
  if (output === 'json') out(`${JSON.stringify(body, null, 2)}\n`);
  else if (output === 'yaml') out(toYaml(body));
  else {
    const opts = { wide: output === 'wide', withNamespace: all && r.namespaced };
    const rows = isApiTable(body) ? body.rows.length : ((body as KubeList).items?.length ?? 1);
    if (rows === 0) {
      process.stderr.write(
        ns && r.namespaced ? `No resources found in ${ns} namespace.\n` : 'No resources found\n',
      );
      return 0;
    }
    if (isApiTable(body)) out(renderTable(body, opts));
    else {
      const items = (body as KubeList).items ?? [body as KubeObject];
      out(renderList(items, opts));
    }
  }
  return 0;
}
