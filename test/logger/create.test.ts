import t from 'tap';
import { createLogger } from '../../src/index.js';

t.test('an unknown format is refused with one clear error, not a silent JSON fallback', async (t) => {
  t.throws(() => createLogger({ format: 'xml' as never }), { name: 'TypeError', message: 'createLogger: unknown format "xml" (use json, oslo, pretty)' });
  t.throws(() => createLogger({ format: 'OSLO' as never }), /unknown format "OSLO"/);
  for (const format of ['json', 'oslo', 'pretty'] as const) {
    t.doesNotThrow(() => createLogger({ format, destination: { write: () => undefined } }), format);
  }
});
