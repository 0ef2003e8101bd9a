/**
 * The Node/V8 flags filterstudy runs under, declared once. They cannot be set from inside a running
 * process (changing V8's GC flags after start-up aborts it), so every way of starting filterstudy
 * passes them: bin/filterstudy.mjs's shebang, package.json's scripts, the Slurm task command
 * (scheduler.ts) and the benches; test/node-flags.test.ts checks that all of them do. The shebang's
 * `env -S` needs GNU coreutils ≥ 8.30 or a BSD env (Debian ≥ 10, macOS); elsewhere start it as
 * `node --single-threaded-gc --max-semi-space-size=1 bin/filterstudy.mjs`.
 *
 * --single-threaded-gc: garbage collection on the thread that allocates instead of V8's helper
 * threads. Every training step frees onnxruntime's output buffers (the gradients: 1.4 MB per CNN
 * step, 2.8 MB per model-2 step), which triggers a full collection every 20–40 steps; with helper
 * threads a lone worker kept ~0.12 of the other core busy (39.5 CPU-s over 35.2 wall-s for a 1-epoch
 * quick seed), CPU that two workers at once do not have. With the flag: 35.0 CPU-s over 34.9 wall-s,
 * the worker thread's own time unchanged (28.0 s). docs/performance.md "Measuring speed".
 *
 * --max-semi-space-size=1 (MB): a small young generation, so that the scavenges which free those
 * output buffers come every few steps, not after tens of megabytes of them have piled up. One
 * worker running two 1-epoch quick seeds in a row (bench/seed-child.ts), peak RSS in four runs each:
 * 461, 522, 478, 457 MB without it; 446, 465, 451, 464 MB with it; seconds per seed the same
 * within noise (27–32 s either way).
 */
export const NODE_FLAGS = ['--single-threaded-gc', '--max-semi-space-size=1'] as const;
