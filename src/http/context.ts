import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../domain/keys/key-service.js';
import type { Services } from '../services.js';

/** Fields accumulated during a request and emitted as one wide log event at the end. */
export interface WideEvent {
  [field: string]: string | number | boolean | null | undefined | string[];
}

/** Typed context variables shared by middleware and routes. */
export interface AppVariables {
  requestId: string;
  services: Services;
  event: WideEvent;
  /** The verified caller; set by the auth middleware on authenticated routes. */
  principal: Principal;
}

/** Hono environment of the whole app. */
export interface AppEnv {
  Variables: AppVariables;
  Bindings: AppBindings;
}

/** Per-request bindings from the Node adapter. */
export interface AppBindings {
  incoming?: IncomingMessage;
  /** The Node response the adapter will write; see `setResponseHeader`. */
  outgoing?: ServerResponse;
  /** True for requests that arrive on the embedded server's owner-only control socket (local CLI). */
  controlPlane?: boolean;
}
