// @eventide/dashboard: a live view of any eventide job in a browser.

// What it shows
export type { BoardLimits } from './board';
export { applyDelta, Board, healthOf } from './board';
// Map geometry
export type { MapPlace, MapRegion } from './geo';
export { drawMap, usCounties, usZipCentroids } from './geo';
// The server
export type { Dashboard, DashboardJob, DashboardOptions } from './server';
export { serveDashboard } from './server';
// Tokens
export { randomToken, signSubject, verifySubject } from './tokens';
export type {
  AlertItem,
  BoardDelta,
  BoardSnapshot,
  CustomerPage,
  DrawnMap,
  Health,
  NumberedAlert,
  OperatorHealth,
  PlaceValue,
  SeriesPoint,
} from './wire';
