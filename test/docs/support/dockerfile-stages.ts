/** One instruction of a Dockerfile: its keyword (upper case) and the rest of the line. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** A build stage: `FROM <from> AS <name>` and its instructions. */
export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

/**
 * The stages of a Dockerfile, with line continuations joined, comments dropped and `ARG`
 * defaults substituted into `FROM`. Enough of the format for this repository's Dockerfile; an
 * instruction it does not know is kept for the caller to refuse.
 */
export function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = rest.split('=');
      args.set(name, value);
    } else if (upper === 'FROM') {
      const [, from = '', name = ''] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? [];
      stages.push({ name: name || `stage${stages.length}`, from: from.replace(/\$\{(\w+)\}/g, (_, v: string) => args.get(v) ?? ''), instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`Dockerfile: ${upper} before the first FROM`);
      stage.instructions.push({ keyword: upper, args: rest });
    }
  }
  return stages;
}

/** A JSON-array (exec form) argument, e.g. `ENTRYPOINT ["node", "x"]`; shell form is split on spaces. */
export function execForm(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
}
