/**
 * Gregor's public package entry (`import … from 'gregor'`). It re-exports folder entry points only,
 * so what is public is decided here and in each folder's index.ts. Today that is the protocol codec
 * (wire primitives, record batches, request/response messages) and `startBroker` for running a broker
 * in-process; the client joins it when it lands.
 */
export { GregorError } from './util/index.ts';
export * from './protocol/wire/index.ts';
export * from './protocol/records/index.ts';
export * from './protocol/messages/index.ts';
export { startBroker, type RunningBroker, type StartBrokerOptions } from './broker/index.ts';
export * from './client/index.ts';
