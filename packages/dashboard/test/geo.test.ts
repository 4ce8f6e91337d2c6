import { describe, expect, it } from 'vitest';
import { drawMap, usCounties, usZipCentroids } from '../src/index';

describe('map geometry', () => {
  const boroughs = usCounties({
    '36061': 'Manhattan',
    '36047': 'Brooklyn',
    '36081': 'Queens',
    '36005': 'Bronx',
    '36085': 'Staten Island',
  });

  it('reads county outlines by FIPS code and ZIP centres from the Census data', () => {
    expect(boroughs.map((b) => b.name).sort()).toEqual([
      'Bronx',
      'Brooklyn',
      'Manhattan',
      'Queens',
      'Staten Island',
    ]);
    expect(() => usCounties({ '99999': 'nowhere' })).toThrow(/usCounties: no county with FIPS code '99999'/);
    const { places, missing } = usZipCentroids(['10001', '11201', '00000']);
    expect(missing).toEqual(['00000']);
    // 10001 (Chelsea) lies in Manhattan, about 40.75 N, 74.00 W
    expect(places[0]!.lat).toBeCloseTo(40.75, 1);
    expect(places[0]!.lon).toBeCloseTo(-74.0, 1);
  });

  it('projects every place inside the box, north up and west left', () => {
    const { places } = usZipCentroids(['10463', '10314', '11691', '10001']);
    const m = drawMap(boroughs, places, 500, 400);
    expect(m.regions.every((r) => r.path.startsWith('M'))).toBe(true);
    for (const p of m.places) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(500);
      expect(p.y).toBeGreaterThanOrEqual(0);
      expect(p.y).toBeLessThanOrEqual(400);
    }
    const at = (id: string) => m.places.find((p) => p.id === id)!;
    // Riverdale (10463, the Bronx) is north of Staten Island (10314); Far Rockaway (11691) is east of both.
    expect(at('10463').y).toBeLessThan(at('10314').y);
    expect(at('11691').x).toBeGreaterThan(at('10314').x);
    expect(at('11691').x).toBeGreaterThan(at('10463').x);
  });
});
