import { describe, expect, it, vi } from 'vitest';
import { lazy } from '../../lib/lazy.js';

describe('lazy', () => {
  it('builds nothing until first asked, then builds once and hands back the same value', () => {
    const build = vi.fn(() => ({ schema: 'built' }));
    const get = lazy(build);
    expect(build).not.toHaveBeenCalled();
    const first = get();
    expect(get()).toBe(first);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('keeps an undefined result instead of building again', () => {
    const build = vi.fn(() => undefined);
    const get = lazy(build);
    get();
    get();
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('tries again after a build that threw', () => {
    let calls = 0;
    const get = lazy(() => {
      calls += 1;
      if (calls === 1) throw new Error('first build fails');
      return calls;
    });
    expect(() => get()).toThrow('first build fails');
    expect(get()).toBe(2);
    expect(get()).toBe(2);
  });
});
