// @eventide/cep: Flink-CEP-style pattern matching on @eventide/core streams.
// The pattern language, compiler and NFA runtime arrive with their own issue; until then the
// package exists so the workspace, its build and its npm surface are in place.

/** The package version, for diagnostics. */
export const VERSION = '0.1.0';
