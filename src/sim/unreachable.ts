/** The default branch of an exhaustive `switch`: the type checker proves it is never reached. */
export function unreachable(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
