import t from 'tap';
import { describeError } from '../../src/sources/errors.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: long system text`), { code });

t.test('file-system errors in a few words for a one-line warning', async (t) => {
  t.equal(describeError(errno('ENOENT')), 'no such file');
  t.equal(describeError(errno('EACCES')), 'permission denied');
  t.equal(describeError(errno('EPERM')), 'permission denied');
  t.equal(describeError(errno('EISDIR')), 'is a directory');
  t.equal(describeError(errno('EIO')), 'EIO', 'another code: the code');
  t.equal(describeError(new Error('inflate failed')), 'inflate failed', 'no code: the message');
  t.equal(describeError('odd'), 'odd');
  t.equal(describeError(null), 'null');
});
