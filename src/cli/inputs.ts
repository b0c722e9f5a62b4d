/** The inputs a command reads: the sources layer's discovery, with what a user must be told when there is none. */
import { discoverSources } from '../sources/discover.js';
import type { SourceFile, SourceWarning } from '../sources/source.js';
import { printError, type CliIO } from './io.js';

/**
 * The sources under `paths`, each discovery warning handed to `warn`; null (exit status 2) when
 * nothing can be read: then each path's own reason is the whole story (one line each), or, with
 * none, one line saying so.
 */
export async function discoverInputs(paths: readonly string[], io: CliIO, warn: (warning: SourceWarning) => void): Promise<SourceFile[] | null> {
  const discovery = await discoverSources([...paths]);
  if (discovery.sources.length === 0) {
    for (const w of discovery.warnings) printError(io, `${w.file}: ${w.message}`);
    if (discovery.warnings.length === 0) printError(io, `no readable input in ${paths.map((p) => JSON.stringify(p)).join(', ')}`);
    return null;
  }
  for (const warning of discovery.warnings) warn(warning);
  return discovery.sources;
}
