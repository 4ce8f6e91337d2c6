// Every public export of every package entry has TSDoc: lists the exports without any, and fails.
// (TypeDoc builds the API reference, `pnpm docs`, and checks its links; this checks coverage.)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// the same entries the API reference is built from
const entries = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')).entryPoints.map((e) =>
  join(root, e),
);
const config = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.typedoc.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
);
const program = ts.createProgram(entries, config.options);
const checker = program.getTypeChecker();
const missing = [];
let exported = 0;
const list = process.argv.includes('--list');
const surface = {};
for (const entry of entries) {
  const source = program.getSourceFile(entry);
  const module = checker.getSymbolAtLocation(source);
  if (list) {
    const names = checker
      .getExportsOfModule(module)
      .map((s) => s.getName())
      .sort();
    console.log(`${entry.slice(root.length + 1)} (${names.length}): ${names.join(', ')}`);
  }
  surface[entry.slice(root.length + 1)] = checker
    .getExportsOfModule(module)
    .map((s) => s.getName())
    .sort();
  for (const sym of checker.getExportsOfModule(module)) {
    exported++;
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    const documented =
      target.getDocumentationComment(checker).length > 0 ||
      (target.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
    if (!documented) missing.push(`${entry.slice(root.length + 1)}: ${sym.getName()} has no TSDoc`);
  }
}
// The published surface is small on purpose: a name added to or removed from an entry is a
// decision, recorded in scripts/api-surface.json (`node scripts/check-docs.mjs --write`).
const surfaceFile = join(root, 'scripts', 'api-surface.json');
if (process.argv.includes('--write')) writeFileSync(surfaceFile, `${JSON.stringify(surface, null, 2)}\n`);
const recorded = JSON.parse(readFileSync(surfaceFile, 'utf8'));
for (const [entry, names] of Object.entries(surface)) {
  const before = new Set(recorded[entry] ?? []);
  const now = new Set(names);
  const added = names.filter((n) => !before.has(n));
  const removed = [...before].filter((n) => !now.has(n));
  if (added.length + removed.length > 0) {
    missing.push(
      `${entry}: the public surface changed (added: ${added.join(', ') || 'none'}; removed: ${removed.join(', ') || 'none'}); if meant, record it with node scripts/check-docs.mjs --write`,
    );
  }
}
if (missing.length > 0) {
  console.error(`✗ the public exports (${exported}) need attention:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}
console.log(`✓ all ${exported} public exports of ${entries.length} entries have TSDoc`);
