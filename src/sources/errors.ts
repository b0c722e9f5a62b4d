/** A file-system error as a few words for a one-line warning (`no such file`, `permission denied`). */
export function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException | null;
  const code = e?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (error instanceof Error) return code ?? error.message;
  return code ?? String(error);
}
