import fc from 'fast-check';

// One fixed seed in CI so a red run can be replayed; locally a fresh seed each run widens the search.
// fast-check prints the seed and the shrunk counterexample of any failing property.
const seed = process.env.FC_SEED
  ? Number(process.env.FC_SEED)
  : process.env.CI
    ? 20261128
    : Date.now() % 2 ** 31;
// FC_RUNS=n runs deeper searches locally.
const numRuns = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : process.env.CI ? 200 : 100;
// fast-check 4 caps generated sizes at `baseSize` even when an arbitrary asks for more (its default
// 'small' makes every maxLength above 10 mean 10): 'medium' lets the declared lengths (up to 100) act.
fc.configureGlobal({ seed, numRuns, verbose: 1, baseSize: 'medium' });
if (process.env.FC_PRINT_SEED) console.log(`fast-check seed ${seed}`);
