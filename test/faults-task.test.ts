/**
 * Issue #10, the seed task in-process with its backend and onnxruntime mocked: a backend start
 * that fails once must not fail every later seed on that thread, and when model-2's ONNX session
 * fails to load, model-1's is released.
 */
import { describe, expect, it, vi } from 'vitest';
import { tinyConfig } from './helpers.ts';

const h = vi.hoisted(() => ({ backendCalls: 0, failBackendOnce: false, sessionLoads: 0, failSecondSession: false, released: 0 }));

vi.mock('../src/ml/backend.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/ml/backend.ts')>();
  return {
    ...real,
    loadBackend: async (name: Parameters<typeof real.loadBackend>[0]) => {
      h.backendCalls++;
      if (h.failBackendOnce) {
        h.failBackendOnce = false;
        throw new Error('transient: wasm instantiate failed');
      }
      return real.loadBackend(name);
    },
  };
});

vi.mock('../src/onnx/ort.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/onnx/ort.ts')>();
  return {
    ...real,
    loadSession: async (...a: Parameters<typeof real.loadSession>) => {
      h.sessionLoads++;
      if (h.failSecondSession && h.sessionLoads % 2 === 0) throw new Error('injected: model-2 session failed to load');
      const s = await real.loadSession(...a);
      const release = s.release.bind(s);
      return Object.assign(s, { release: async () => { h.released++; return release(); } });
    },
  };
});

const { default: runSeedTask } = await import('../src/worker/task.ts');
const task = (seed: number) => {
  const cfg = tinyConfig({ seeds: { start: seed, count: 1 } });
  return { cfg, seed, studyId: 't', configHash: 'x', versions: {} };
};

describe('seed task faults', () => {
  it('a backend start that fails once: that seed fails, the next one on the same thread loads it again and trains', async () => {
    h.failBackendOnce = true;
    const first = await runSeedTask(task(1));
    expect(first.status).toBe('failed');
    expect(first.status === 'failed' && first.error.message).toMatch(/transient/);
    const second = await runSeedTask(task(2));
    expect(second.status).toBe('ok');
    expect(h.backendCalls).toBe(2); // retried, not the cached rejection
  });

  it('model-1\'s ONNX session is released when model-2\'s fails to load', async () => {
    h.failSecondSession = true;
    h.sessionLoads = 0;
    h.released = 0;
    try {
      const r = await runSeedTask(task(3));
      expect(r.status).toBe('failed');
      expect(r.status === 'failed' && r.error.message).toMatch(/model-2 session failed/);
      expect(h.sessionLoads).toBe(2);
      expect(h.released).toBe(1);
    } finally {
      h.failSecondSession = false;
    }
  });
});
