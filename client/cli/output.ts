/** Output for people or, with --json, for scripts (one JSON value per line). */
export interface Output {
  json: boolean;
  /** A result: `human` for people, `value` as JSON. */
  result(value: unknown, human: string): void;
  /** Progress and notes: stderr, never mixed into --json output. */
  note(line: string): void;
}

export function output(json: boolean): Output {
  return {
    json,
    result: (value, human) => process.stdout.write(`${json ? JSON.stringify(value) : human}\n`),
    note: (line) => process.stderr.write(`${line}\n`),
  };
}
