/**
 * Residential New York City ZIP codes with borough, neighbourhood and population.
 *
 * Source: ZIP codes and neighbourhood names follow the NYC Department of Health and Mental
 * Hygiene's United Hospital Fund (UHF 42) neighbourhood definitions, which assign every
 * residential NYC ZIP code to one of 42 neighbourhoods. Populations are 2020 Decennial Census
 * totals for the matching ZIP Code Tabulation Areas (table P1), rounded to the nearest hundred
 * (written down from the published table, not downloaded at build time). ZIPs that are a single
 * building or a post office box range, with no resident population, are left out.
 *
 * `businessFactor` is a modelling choice, not census data: it multiplies a ZIP's population to
 * weight where business premises are drawn, skewing them toward Manhattan's business districts
 * (Midtown, the Financial District, the Flatiron and garment districts).
 */

/** One residential ZIP code. */
export interface ZipCode {
  readonly zip: string;
  readonly borough: Borough;
  readonly neighbourhood: string;
  readonly population: number;
  readonly businessFactor: number;
}

/** One of New York City's five boroughs. */
export type Borough = 'Manhattan' | 'Bronx' | 'Brooklyn' | 'Queens' | 'Staten Island';

type Row = readonly [zip: string, population: number, businessFactor?: number];

const NEIGHBOURHOODS: ReadonlyArray<readonly [Borough, string, readonly Row[]]> = [
  [
    'Bronx',
    'Kingsbridge - Riverdale',
    [
      ['10463', 70_800],
      ['10471', 23_000],
    ],
  ],
  [
    'Bronx',
    'Northeast Bronx',
    [
      ['10466', 70_900],
      ['10469', 74_300],
      ['10470', 15_900],
      ['10475', 43_800],
    ],
  ],
  [
    'Bronx',
    'Fordham - Bronx Park',
    [
      ['10458', 82_200],
      ['10467', 101_300],
      ['10468', 77_800],
    ],
  ],
  [
    'Bronx',
    'Pelham - Throgs Neck',
    [
      ['10461', 52_500],
      ['10462', 78_900],
      ['10464', 4_400],
      ['10465', 44_200],
      ['10472', 69_900],
      ['10473', 59_600],
    ],
  ],
  [
    'Bronx',
    'Crotona - Tremont',
    [
      ['10453', 79_800],
      ['10457', 73_200],
      ['10460', 60_300],
    ],
  ],
  [
    'Bronx',
    'High Bridge - Morrisania',
    [
      ['10451', 48_100],
      ['10452', 75_600],
      ['10456', 91_800],
    ],
  ],
  [
    'Bronx',
    'Hunts Point - Mott Haven',
    [
      ['10454', 38_300],
      ['10455', 40_900],
      ['10459', 47_900],
      ['10474', 12_300],
    ],
  ],
  [
    'Brooklyn',
    'Greenpoint',
    [
      ['11211', 117_800],
      ['11222', 41_300],
    ],
  ],
  [
    'Brooklyn',
    'Downtown - Heights - Slope',
    [
      ['11201', 63_100, 3],
      ['11205', 46_900],
      ['11215', 70_200],
      ['11217', 41_200, 2],
      ['11231', 36_100],
    ],
  ],
  [
    'Brooklyn',
    'Bedford Stuyvesant - Crown Heights',
    [
      ['11212', 84_500],
      ['11213', 66_400],
      ['11216', 57_100],
      ['11233', 70_400],
      ['11238', 55_300],
    ],
  ],
  [
    'Brooklyn',
    'East New York',
    [
      ['11207', 95_300],
      ['11208', 98_900],
    ],
  ],
  [
    'Brooklyn',
    'Sunset Park',
    [
      ['11220', 99_600],
      ['11232', 29_800, 2],
    ],
  ],
  [
    'Brooklyn',
    'Borough Park',
    [
      ['11204', 81_700],
      ['11218', 79_100],
      ['11219', 96_200],
      ['11230', 90_800],
    ],
  ],
  [
    'Brooklyn',
    'East Flatbush - Flatbush',
    [
      ['11203', 76_000],
      ['11210', 66_800],
      ['11225', 59_900],
      ['11226', 103_800],
    ],
  ],
  [
    'Brooklyn',
    'Canarsie - Flatlands',
    [
      ['11234', 91_600],
      ['11236', 100_500],
      ['11239', 13_000],
    ],
  ],
  [
    'Brooklyn',
    'Bensonhurst - Bay Ridge',
    [
      ['11209', 80_100],
      ['11214', 93_700],
      ['11228', 44_300],
    ],
  ],
  [
    'Brooklyn',
    'Coney Island - Sheepshead Bay',
    [
      ['11223', 82_400],
      ['11224', 47_600],
      ['11229', 86_000],
      ['11235', 83_900],
    ],
  ],
  [
    'Brooklyn',
    'Williamsburg - Bushwick',
    [
      ['11206', 83_100],
      ['11221', 82_600],
      ['11237', 53_100],
    ],
  ],
  [
    'Manhattan',
    'Washington Heights - Inwood',
    [
      ['10031', 59_200],
      ['10032', 63_800],
      ['10033', 57_300],
      ['10034', 40_300],
      ['10040', 42_000],
    ],
  ],
  [
    'Manhattan',
    'Central Harlem - Morningside Heights',
    [
      ['10026', 39_600],
      ['10027', 61_200],
      ['10030', 27_700],
      ['10037', 19_100],
      ['10039', 24_900],
    ],
  ],
  [
    'Manhattan',
    'East Harlem',
    [
      ['10029', 76_900],
      ['10035', 36_400],
    ],
  ],
  [
    'Manhattan',
    'Upper West Side',
    [
      ['10023', 65_100, 2],
      ['10024', 61_600],
      ['10025', 96_100],
    ],
  ],
  [
    'Manhattan',
    'Upper East Side',
    [
      ['10021', 44_800, 2],
      ['10028', 47_400],
      ['10044', 11_700],
      ['10065', 33_100, 2],
      ['10075', 26_100],
      ['10128', 60_800],
    ],
  ],
  [
    'Manhattan',
    'Chelsea - Clinton',
    [
      ['10001', 27_400, 10],
      ['10011', 52_300, 4],
      ['10018', 10_400, 14],
      ['10019', 45_000, 6],
      ['10036', 32_700, 10],
    ],
  ],
  [
    'Manhattan',
    'Gramercy Park - Murray Hill',
    [
      ['10010', 32_000, 6],
      ['10016', 56_700, 5],
      ['10017', 16_900, 16],
      ['10022', 32_800, 12],
    ],
  ],
  [
    'Manhattan',
    'Greenwich Village - SoHo',
    [
      ['10012', 24_700, 6],
      ['10013', 29_900, 7],
      ['10014', 33_100, 3],
    ],
  ],
  [
    'Manhattan',
    'Union Square - Lower East Side',
    [
      ['10002', 76_800],
      ['10003', 53_900, 4],
      ['10009', 58_900],
    ],
  ],
  [
    'Manhattan',
    'Lower Manhattan',
    [
      ['10004', 4_500, 20],
      ['10005', 8_700, 20],
      ['10006', 4_000, 20],
      ['10007', 7_800, 15],
      ['10038', 23_900, 6],
      ['10280', 9_000, 4],
      ['10282', 6_500, 4],
    ],
  ],
  [
    'Queens',
    'Long Island City - Astoria',
    [
      ['11101', 35_300, 3],
      ['11102', 35_100],
      ['11103', 39_600],
      ['11104', 28_400],
      ['11105', 37_100],
      ['11106', 41_400],
    ],
  ],
  [
    'Queens',
    'West Queens',
    [
      ['11368', 112_100],
      ['11369', 38_600],
      ['11370', 37_400],
      ['11372', 63_800],
      ['11373', 104_900],
      ['11377', 95_100],
      ['11378', 39_000, 2],
    ],
  ],
  [
    'Queens',
    'Flushing - Clearview',
    [
      ['11354', 59_000, 2],
      ['11355', 87_600],
      ['11356', 24_000],
      ['11357', 42_300],
      ['11358', 39_600],
      ['11360', 20_300],
    ],
  ],
  [
    'Queens',
    'Bayside - Little Neck',
    [
      ['11361', 29_600],
      ['11362', 18_700],
      ['11363', 7_100],
      ['11364', 36_400],
    ],
  ],
  [
    'Queens',
    'Ridgewood - Forest Hills',
    [
      ['11374', 46_900],
      ['11375', 73_500],
      ['11379', 35_400],
      ['11385', 100_200],
    ],
  ],
  [
    'Queens',
    'Fresh Meadows',
    [
      ['11365', 44_900],
      ['11366', 14_900],
      ['11367', 43_900],
    ],
  ],
  [
    'Queens',
    'Southwest Queens',
    [
      ['11414', 27_000],
      ['11415', 21_000],
      ['11416', 26_700],
      ['11417', 32_700],
      ['11418', 39_400],
      ['11419', 51_200],
      ['11420', 49_300],
      ['11421', 42_700],
    ],
  ],
  [
    'Queens',
    'Jamaica',
    [
      ['11412', 39_300],
      ['11423', 33_100],
      ['11432', 66_500, 2],
      ['11433', 38_100],
      ['11434', 66_900],
      ['11435', 59_700],
      ['11436', 20_800],
    ],
  ],
  [
    'Queens',
    'Southeast Queens',
    [
      ['11004', 15_000],
      ['11005', 2_000],
      ['11411', 20_400],
      ['11413', 44_300],
      ['11422', 32_100],
      ['11426', 19_400],
      ['11427', 25_300],
      ['11428', 21_900],
      ['11429', 27_400],
    ],
  ],
  [
    'Queens',
    'Rockaway',
    [
      ['11691', 69_900],
      ['11692', 20_700],
      ['11693', 13_300],
      ['11694', 21_800],
      ['11697', 4_100],
    ],
  ],
  [
    'Staten Island',
    'Port Richmond',
    [
      ['10302', 19_700],
      ['10303', 28_000],
      ['10310', 25_100],
    ],
  ],
  [
    'Staten Island',
    'Stapleton - St. George',
    [
      ['10301', 40_000],
      ['10304', 44_700],
      ['10305', 44_000],
    ],
  ],
  ['Staten Island', 'Willowbrook', [['10314', 90_300]]],
  [
    'Staten Island',
    'South Beach - Tottenville',
    [
      ['10306', 57_100],
      ['10307', 15_300],
      ['10308', 29_900],
      ['10309', 33_900],
      ['10312', 62_000],
    ],
  ],
];

/** Every ZIP code of the table, in neighbourhood order. */
export const NYC_ZIP_CODES: readonly ZipCode[] = Object.freeze(
  NEIGHBOURHOODS.flatMap(([borough, neighbourhood, rows]) =>
    rows.map(([zip, population, businessFactor = 1]) =>
      Object.freeze({ zip, borough, neighbourhood, population, businessFactor }),
    ),
  ),
);
