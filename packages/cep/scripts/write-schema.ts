// Writes schema/pattern.schema.json, the JSON Schema of a pattern spec, from the zod schema
// (`pnpm --filter @eventide/cep schema`); a test checks the file is current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { patternJsonSchema } from '../src/index';

const file = join(import.meta.dirname, '..', 'schema', 'pattern.schema.json');
writeFileSync(file, `${JSON.stringify(patternJsonSchema(), null, 2)}\n`);
console.log(`wrote ${file}`);
