import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Runs `node [nodeOptions] --import tsx <args>` and resolves once its output matches `ready` (a
 * sink printing its port, a worker printing "ready"); rejects with the output if it exits first.
 * `nodeOptions` are Node's own flags (for example `--max-old-space-size=256`, as a deployment
 * with a memory limit would run it).
 */
export function startChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  nodeOptions: readonly string[] = [],
): Promise<{ child: ChildProcess; match: RegExpMatchArray; output: () => string }> {
  const child = spawn(process.execPath, [...nodeOptions, '--import', 'tsx', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, match, output: () => out });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}`)));
  });
}
