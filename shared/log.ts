// Minimal leveled logger: one line per record on stderr, `time level component message`.
// Level from DROVER_LOG_LEVEL (debug|info|warn|error), default info. No dependencies, so the
// agent stays small on a board.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const l = (process.env.DROVER_LOG_LEVEL ?? 'info') as LogLevel;
  return ORDER[l] ?? ORDER.info;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
}

function fmt(fields?: Record<string, unknown>): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(
      ([k, v]) =>
        ` ${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : v instanceof Error ? JSON.stringify(v.message) : JSON.stringify(v)}`,
    )
    .join('');
}

export function createLogger(component: string, min = threshold()): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    process.stderr.write(
      `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${component}: ${msg}${fmt(fields)}\n`,
    );
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (c) => createLogger(`${component}/${c}`, min),
  };
}
