/** Internal state hangs on symbols (as in pino), never on ad-hoc string properties. */

/** On a forInstance child: the normalised instance it is bound to (inherited by its children). */
export const boundInstanceSym = Symbol('instance-trace.boundInstance');

/** On a root logger: the real sink under any text-formatting stream (what crash flushing drains). */
export const sinkSym = Symbol('instance-trace.sink');

/** On a destination createLogger opened from a path: that path (a failure report names it). */
export const destinationPathSym = Symbol('instance-trace.destinationPath');
