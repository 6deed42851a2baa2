// Assertions for programmer errors. A failed assertion means the code is wrong, not the
// input, so it throws and is allowed to stop the process (STYLE.md: three kinds of failure).

export class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionFailed(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionFailed(`${message}: ${String(value)}`);
}
