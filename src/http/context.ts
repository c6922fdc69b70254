import type { Logger } from 'pino';
import type { Services } from '../services.js';

/** Fields accumulated during a request and emitted as one wide log event at the end. */
export interface WideEvent {
  [field: string]: string | number | boolean | null | undefined | string[];
}

/** Typed context variables shared by middleware and routes. */
export interface AppVariables {
  requestId: string;
  services: Services;
  logger: Logger;
  event: WideEvent;
}

/** Hono environment of the whole app. */
export interface AppEnv {
  Variables: AppVariables;
}
