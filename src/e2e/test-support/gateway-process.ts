import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GatewayProcess {
  /** `http://127.0.0.1:<port>` as the banner printed it. */
  url: string;
  /** The key printed on first start; absent when the database already had tenants. */
  bootstrapKey: string | undefined;
  child: ChildProcess;
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<GatewayExit>;
  /** What the process wrote so far: the banner on stdout, JSON log lines on stderr. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM (a clean shutdown: requests finish, the audit writer closes its chain), then the exit. */
  stop(): Promise<GatewayExit>;
  /** SIGKILL: nothing in the process runs any more; then the exit. */
  kill(): Promise<GatewayExit>;
}

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliMain = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
/** Bounds the output kept for failure messages; a gateway under load logs a line per request. */
const maxKeptChars = 1_000_000;

/** The parent's environment without Palisade or OpenTelemetry settings, so only `env` configures the child. */
function childEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALISADE_') && !name.startsWith('OTEL_')));
  return { ...inherited, ...env };
}

/**
 * Runs `palisade serve --config <configFile>` in a child process (`node --import tsx`, the
 * sources as they are) and resolves once the banner says where it listens. For what needs a
 * real process: several replicas at once, and SIGKILL. `env` carries PALISADE_DATABASE_URL /
 * PALISADE_REDIS_URL; the parent's own PALISADE_* variables are not passed on.
 */
export async function startGatewayProcess(options: { configFile: string; env?: Record<string, string>; startTimeoutMs?: number }): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, 'serve', '--config', options.configFile], {
    cwd: repositoryRoot,
    env: childEnvironment(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-maxKeptChars)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-maxKeptChars)));
  const exited = new Promise<GatewayExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const signal = (name: NodeJS.Signals): Promise<GatewayExit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };

  const listening = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not print "listening on" within ${options.startTimeoutMs ?? 30_000} ms\n${stderr.slice(-2000)}`));
    }, options.startTimeoutMs ?? 30_000);
    const look = (): void => {
      // The banner's last line, so the key (if printed) has arrived too, however the pipe split it.
      const match = /listening on (http:\/\/\S+)[\s\S]*Stop with Ctrl-C/.exec(stdout);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve(match[1]);
    };
    child.stdout.on('data', look);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited before listening (code ${exit.code}, signal ${exit.signal})\n${stderr.slice(-2000)}`));
    });
  });
  const key = /Your API key[^\n]*\n\s+(\S+)/.exec(stdout)?.[1];

  return {
    url: listening,
    bootstrapKey: key,
    child,
    exited,
    output: () => ({ stdout, stderr }),
    stop: async () => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await signal('SIGTERM');
      } finally {
        clearTimeout(timer);
      }
    },
    kill: () => signal('SIGKILL'),
  };
}
