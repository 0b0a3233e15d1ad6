import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starts the sandbox the way a user does, as its own process, and reads its address from the
 * start banner. It runs the TypeScript entry point through tsx, so a test never depends on a
 * stale build. Nothing of the emulator is imported.
 */
export interface SandboxProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGKILL, as a crash would; resolves when the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export function startSandboxProcess(env: Record<string, string>): Promise<SandboxProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/src/main.ts'], {
    cwd: repositoryRoot,
    env: { ...process.env, PORT: '0', SANDBOX_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // A test that fails or times out must not leave a sandbox running after the test process.
  const reap = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', reap);
  void exited.then(() => process.off('exit', reap));
  const signal = async (name: NodeJS.Signals): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    return exited;
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const slow = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the sandbox did not start within ${START_TIMEOUT_MS} ms: ${output}`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(slow);
        resolve({
          url: match[1],
          child,
          kill9: async () => {
            await signal('SIGKILL');
          },
          stop: () => signal('SIGTERM'),
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`the sandbox exited with ${code}: ${output}`)));
  });
}
