/**
 * Runs, in a fresh Node process (the V8 flag is process-wide, and the test process may already have it
 * set), a client built one way and has it evaluate a flag whose `matches` pattern the schemas accept
 * but a backtracking engine takes hours on: `.*.*.*=x` against 5,000 characters (800 took 98 s).
 * With V8's linear-time fallback switched on it takes milliseconds.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const CATASTROPHIC_PATTERN = '.*.*.*=x';

const snapshot = {
  environment: 'production',
  version: 1,
  segments: {},
  flags: {
    checked: {
      key: 'checked',
      kind: 'boolean',
      variations: [true, false],
      salt: 'checked',
      version: 1,
      clientSideAvailable: false,
      on: true,
      offVariation: 1,
      fallthrough: { variation: 1 },
      targets: [],
      prerequisites: [],
      rules: [{ id: 'r', clauses: [{ attribute: 'email', op: 'matches', values: [CATASTROPHIC_PATTERN] }], variation: 0 }],
    },
  },
};

/**
 * `setup` is module code that gets `snapshot` and defines `async function evaluateChecked(context)`
 * returning the flag's value; the promise resolves with that value, or rejects when the child did not
 * finish within `timeoutMs`.
 */
export async function evaluateCatastrophicMatch(setup: string, timeoutMs = 15_000): Promise<unknown> {
  const source = `
    const snapshot = ${JSON.stringify(snapshot)};
    ${setup}
    const value = await evaluateChecked({ key: 'u', email: 'a'.repeat(5000) });
    console.log(JSON.stringify(value));
    process.exit(0);
  `;
  const run = promisify(execFile)(
    process.execPath,
    ['--conditions=switchyard-source', '--import', 'tsx', '--input-type=module', '-e', source],
    { cwd: repoRoot, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
  );
  const { stdout } = await run.catch((err: { killed?: boolean }) => {
    if (err.killed) throw new Error(`the evaluation did not finish within ${timeoutMs} ms: the linear-time regexp fallback is off`);
    throw err;
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}
