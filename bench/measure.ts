/** Median of `runs` timings of `work`, each timing averaged over `batch` calls, in microseconds. */
export function medianMicros(
  work: () => void,
  { runs = 15, batch = 200, warmup = 500 } = {},
): number {
  for (let i = 0; i < warmup; i++) work();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) work();
    times.push(Number(process.hrtime.bigint() - t0) / 1000 / batch);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

export function line(label: string, value: string, target: string, ok: boolean): void {
  console.log(
    `${label.padEnd(66)} ${value.padStart(12)}   target ${target.padEnd(10)} ${ok ? "ok" : "OVER"}`,
  );
}
