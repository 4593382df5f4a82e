/** Reads a Dockerfile for the tests that check it (no Docker engine runs here to build it). */
export interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions in order, continuation lines joined and comments dropped. */
export function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The stages, each starting at its FROM. */
export function stages(text: string): Instruction[][] {
  return instructions(text).reduce<Instruction[][]>((found, instruction) => {
    if (instruction.keyword === 'FROM') found.push([]);
    found.at(-1)?.push(instruction);
    return found;
  }, []);
}

/** The arguments of each COPY of a stage, e.g. ['--from=build', '/app/dist', './dist']. */
export const copies = (stage: Instruction[]): string[][] => stage.filter((i) => i.keyword === 'COPY').map((i) => i.args.split(/\s+/));
export const runs = (stage: Instruction[]): string[] => stage.filter((i) => i.keyword === 'RUN').map((i) => i.args);
