export { launchBroker, startBroker, type BrokerDeps, type RunningBroker, type StartBrokerOptions } from './start-broker.ts';
export { ConfigError, loadBrokerConfig, BrokerConfig, type ConfigSources } from './config/index.ts';
export {
  CLOSE_CONNECTION,
  NO_RESPONSE,
  type Handler,
  type InterceptAction,
  type InterceptedRequest,
  type Interceptor,
  type InterceptOptions,
  type RequestContext,
} from './handlers/handler.ts';
