// A promise with its resolve and reject functions exposed (Promise.withResolvers is ES2024,
// past this project's lib target).

export interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed batch is also reported through the WAL's failure state, so a caller that does
  // not await its promise must not crash the process with an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
