import { describe, expect, it } from 'vitest';
import { Rng, WeightedPicker, hashString, mix32, seedHash } from '../../core/synth/random.ts';

describe('seeded randomness', () => {
  it('is deterministic and seed-sensitive', () => {
    const a = new Rng(1, 2, 3, 4);
    const b = new Rng(1, 2, 3, 4);
    const c = new Rng(1, 2, 3, 5);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(first);
    expect(seedHash(42)).toBe(seedHash('42'));
    expect(seedHash(42)).not.toBe(seedHash(43));
    expect(hashString('a')).not.toBe(hashString('b'));
    expect(mix32(7, 1, 2)).not.toBe(mix32(7, 2, 1));
    expect(mix32(7, 1, 2)).toBe(mix32(7, 1, 2));
  });

  it('draws integers in range, uniformly enough', () => {
    const rng = new Rng(99);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const v = rng.int(1, 6);
      counts[v - 1] = (counts[v - 1] ?? 0) + 1;
    }
    for (const count of counts) {
      expect(count).toBeGreaterThan(9_500);
      expect(count).toBeLessThan(10_500);
    }
    for (let i = 0; i < 1_000; i++) {
      const x = rng.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('refuses to pick from nothing', () => {
    expect(() => new Rng(1).pick([])).toThrow('cannot pick from an empty list');
    expect(() => new WeightedPicker(['a'], [1, 2])).toThrow(
      'a weighted picker needs as many weights as items, and at least one item',
    );
  });

  it('picks by weight', () => {
    const picker = new WeightedPicker(['a', 'b', 'c'], [1, 0, 3]);
    expect(picker.at(0)).toBe('a');
    expect(picker.at(0.2499)).toBe('a');
    expect(picker.at(0.25)).toBe('c');
    expect(picker.at(0.9999)).toBe('c');
    const rng = new Rng(5);
    let a = 0;
    for (let i = 0; i < 40_000; i++) if (picker.pick(rng) === 'a') a++;
    expect(a).toBeGreaterThan(9_500);
    expect(a).toBeLessThan(10_500);
  });
});
