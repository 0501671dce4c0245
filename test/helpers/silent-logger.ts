import type { ClientLogger } from '../../sdk/src/client/types.ts';

/** An SDK logger that prints nothing, for tests whose failures are expected. */
export const silentLogger: ClientLogger = { debug() {}, info() {}, warn() {}, error() {} };
