import { describe, expect, it } from 'vitest';
import { BUSINESS_SHARE, createFleet, GeneratorConfigError, NYC_ZIP_CODES } from '../../src/index';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('createFleet', () => {
  const fleet = createFleet({ seed: 20261128, premises: 20_000 });

  it('has 6.14% businesses (536,890 of 8,743,629 NYC premises), ±0.5 points on 20,000 premises', () => {
    expect(BUSINESS_SHARE).toBeCloseTo(536_890 / (536_890 + 8_206_739), 10);
    const share = fleet.premises.filter((p) => p.kind === 'business').length / fleet.premises.length;
    expect(Math.abs(share - 0.0614)).toBeLessThanOrEqual(0.005);
  });

  it('gives every premise electricity and water, and gas exactly when it uses gas', () => {
    const byPremise = new Map<number, string[]>();
    for (const s of fleet.services)
      byPremise.set(s.premise.index, [...(byPremise.get(s.premise.index) ?? []), s.type]);
    for (const p of fleet.premises) {
      expect(byPremise.get(p.index)).toEqual(
        p.gas === 'none' ? ['electricity', 'water'] : ['electricity', 'gas', 'water'],
      );
    }
  });

  it('draws ZIP codes only from the NYC table, households by population', () => {
    const table = new Map(NYC_ZIP_CODES.map((z) => [z.zip, z]));
    const counts = new Map<string, number>();
    for (const p of fleet.premises) {
      expect(table.get(p.zip.zip)).toBe(p.zip);
      if (p.kind === 'household') counts.set(p.zip.borough, (counts.get(p.zip.borough) ?? 0) + 1);
    }
    const households = fleet.premises.filter((p) => p.kind === 'household').length;
    const total = NYC_ZIP_CODES.reduce((a, z) => a + z.population, 0);
    for (const borough of ['Manhattan', 'Bronx', 'Brooklyn', 'Queens', 'Staten Island'] as const) {
      const expected =
        NYC_ZIP_CODES.filter((z) => z.borough === borough).reduce((a, z) => a + z.population, 0) / total;
      expect(Math.abs((counts.get(borough) ?? 0) / households - expected)).toBeLessThan(0.015);
    }
  });

  it('skews businesses toward Manhattan', () => {
    const inManhattan = (kind: string) => {
      const ps = fleet.premises.filter((p) => p.kind === kind);
      return ps.filter((p) => p.zip.borough === 'Manhattan').length / ps.length;
    };
    expect(inManhattan('business')).toBeGreaterThan(inManhattan('household') * 2);
  });

  it('ZIP table: unique codes whose prefixes match their borough, no Long Island codes', () => {
    const prefixes: Record<string, RegExp> = {
      Manhattan: /^10[012]\d\d$/,
      'Staten Island': /^103\d\d$/,
      Bronx: /^104\d\d$/,
      Brooklyn: /^112\d\d$/,
      Queens: /^11(0|1|3|4|6)\d\d$/,
    };
    expect(new Set(NYC_ZIP_CODES.map((z) => z.zip)).size).toBe(NYC_ZIP_CODES.length);
    for (const z of NYC_ZIP_CODES) {
      expect(z.zip).toMatch(prefixes[z.borough]!);
      // Nassau and Suffolk counties (Long Island) use 115xx–119xx and 110xx above 11005.
      expect(Number(z.zip) >= 11500 && Number(z.zip) < 11690).toBe(false);
      expect(z.population).toBeGreaterThan(0);
    }
  });

  it('registrations: UUID ServiceIds, unique meters, names, real tariffs by territory', () => {
    const regs = fleet.registrations();
    expect(regs).toHaveLength(fleet.services.length);
    expect(new Set(regs.map((r) => r.ServiceId)).size).toBe(regs.length);
    expect(new Set(regs.map((r) => r.ServiceMeterId)).size).toBe(regs.length);
    for (const r of regs.slice(0, 5000)) {
      expect(r.ServiceId).toMatch(UUID_V4);
      expect(r.Name.length).toBeGreaterThan(2);
      expect(r.ServiceAddress.endsWith(`NY ${r.ServiceZipcode}`)).toBe(true);
      if (r.Type === 'electricity') {
        expect(r.Utility).toBe('Con Edison');
        expect(r.TariffName).toMatch(r.PremiseKind === 'household' ? /^EL1$/ : /^EL(2|9)$/);
      }
      if (r.Type === 'gas') {
        const territory =
          r.Borough === 'Brooklyn' || r.Borough === 'Staten Island' ? 'National Grid' : undefined;
        if (territory) expect(r.Utility).toBe(territory);
        if (r.Borough === 'Manhattan' || r.Borough === 'Bronx') expect(r.Utility).toBe('Con Edison');
        expect(r.TariffName).toMatch(r.Utility === 'Con Edison' ? /^SC[123]$/ : /^SC (1A|1B|2)$/);
      }
    }
  });

  it('is a pure function of the seed: a larger fleet extends a smaller one', () => {
    const small = createFleet({ seed: 5, premises: 50 });
    const large = createFleet({ seed: 5, premises: 80 });
    expect(large.registrations().slice(0, small.services.length)).toEqual(small.registrations());
    expect(createFleet({ seed: 6, premises: 50 }).registrations()).not.toEqual(small.registrations());
    expect(createFleet({ seed: 5, services: 7 }).services).toHaveLength(7);
  });

  it('rejects bad configurations with the API name', () => {
    expect(() => createFleet({ seed: 1.5, premises: 1 })).toThrow(GeneratorConfigError);
    expect(() => createFleet({ seed: 1 })).toThrow('createFleet: give exactly one of premises or services');
    expect(() => createFleet({ seed: 1, services: -1 })).toThrow(
      /createFleet: services must be a non-negative integer/,
    );
  });
});
