// Rewrites docs/outputs.md's Arrow schema section (between the SCHEMA_DOC markers) from src/io/schema.ts.
// Usage: npm run schema-doc   (test/schema.test.ts fails while docs/outputs.md and the schema disagree)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSchemaDoc } from '../src/io/schema-doc.ts';

const file = join(import.meta.dirname, '..', 'docs', 'outputs.md');
writeFileSync(file, withSchemaDoc(readFileSync(file, 'utf8')));
console.log(`updated ${file}`);
