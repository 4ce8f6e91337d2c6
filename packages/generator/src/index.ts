// @eventide/generator: a seeded smart-meter reading generator for New York City.
// The fleet model, readings, faults and CLI arrive with their own issue; until then the package
// exists so the workspace, its build and its npm surface are in place.

/** The package version, for diagnostics. */
export const VERSION = '0.1.0';
