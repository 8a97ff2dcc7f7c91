// Kubernetes `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion):
// `$(NAME)` becomes the value when NAME is defined and stays as written otherwise; `$$` is an
// escaped `$`; an unclosed `$(` and any other `$x` are kept literally.

export function expand(input: string, vars: Record<string, string> | ReadonlyMap<string, string>): string {
  const lookup = (name: string): string | undefined =>
    vars instanceof Map
      ? vars.get(name)
      : Object.hasOwn(vars, name)
        ? (vars as Record<string, string>)[name]
        : undefined;
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c !== '$' || i + 1 >= input.length) {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 2;
        continue;
      }
      const name = input.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close + 1;
    } else {
      out += c + next;
      i += 2;
    }
  }
  return out;
}
