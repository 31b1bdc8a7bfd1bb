import { loadConfig } from './app-config';
import { applyHeapGrowth } from './heap-growth';

describe('the heap growing factor (IDS_HEAP_GROWING_PERCENT)', () => {
  it('is 100 % by default; 0 leaves V8 its own; outside 0-1000 or not a number is refused', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(100);
    expect(loadConfig({ IDS_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadConfig({ IDS_HEAP_GROWING_PERCENT: '50' }).heapGrowingPercent).toBe(50);
    for (const bad of ['-1', '1001', 'lots', '1.5']) {
      expect(() => loadConfig({ IDS_HEAP_GROWING_PERCENT: bad })).toThrow(
        expect.objectContaining({ message: expect.stringMatching(/IDS_HEAP_GROWING_PERCENT/) }),
      );
    }
  });

  it("sets V8's heap growing factor, and leaves it alone at 0", () => {
    const set = jest.fn();
    applyHeapGrowth(100, set);
    expect(set).toHaveBeenCalledWith('--heap-growing-percent=100');
    set.mockClear();
    applyHeapGrowth(0, set);
    expect(set).not.toHaveBeenCalled();
  });
});
