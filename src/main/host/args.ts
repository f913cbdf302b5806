/** Command-line options shared by the hosts and the CLI; the library folder itself is resolved by the library service. */
export interface HostOptions {
  port: number;
  bindAddress: string;
  open: boolean;
}

export function readFlag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

export function parseHostOptions(argv: readonly string[], env: NodeJS.ProcessEnv): HostOptions {
  const portText = readFlag(argv, 'port') ?? env.LUCIDA_PORT ?? '4780';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a whole number from 0 to 65535, not “${portText}”.`);
  }
  const bindAddress = readFlag(argv, 'host') ?? env.LUCIDA_HOST ?? '127.0.0.1';
  return { port, bindAddress, open: argv.includes('--open') };
}
