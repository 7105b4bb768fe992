export { GregorError } from './errors.ts';
export { systemClock, systemScheduler, ManualClock } from './clock.ts';
export type { Clock, Scheduler, Timer } from './clock.ts';
export { silentLogger, consoleLogger, MemoryLogger } from './logger.ts';
export type { Logger, LogFields } from './logger.ts';
export { SlabPool, readBufferPool } from './slab-pool.ts';
