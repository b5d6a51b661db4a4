/**
 * The local Lambda service: the functions an API declares (LAMBDA data sources, stream handlers, the
 * webhook delivery function), each created once by name with its declared environment resolved to
 * local names over what the service gives every function (region, credentials, the local endpoints
 * the SDK finds through `AWS_ENDPOINT_URL_*`). Every caller invokes a function through it.
 */
import { resolve } from 'node:path';
import { resolveEnvironment } from '../../../wiring/environment.ts';
import type { EnvValue } from '../../../wiring/types.ts';
import { createLocalFunction, type LocalFunction } from './function.ts';

export interface FunctionDeclaration {
  /** Module path relative to the service's root; it exports `handler(event, context)`. */
  handler: string;
  environment?: Record<string, EnvValue>;
  /** Local-only variables (not declared: e.g. what a deployment setting gives in AWS). */
  extraEnvironment?: Record<string, string>;
  timeoutMs?: number;
}

export interface LocalLambdaOptions {
  /** What handler paths are relative to (the API's root). */
  root: string;
  /** A declared environment value → its local value. */
  resolveEnv: (v: EnvValue) => string;
  /** What the service gives every function; declared variables win. */
  environment?: Record<string, string>;
  log?: (line: string) => void;
}

export class LocalLambda {
  private readonly functions = new Map<string, LocalFunction>();

  constructor(private readonly opts: LocalLambdaOptions) {}

  /** The function `name`, created on first use from its declaration. */
  define(name: string, decl: FunctionDeclaration): LocalFunction {
    let fn = this.functions.get(name);
    if (!fn) {
      fn = createLocalFunction({
        name,
        modulePath: resolve(this.opts.root, decl.handler),
        environment: { ...this.opts.environment, ...resolveEnvironment(decl.environment, this.opts.resolveEnv), ...decl.extraEnvironment },
        timeoutMs: decl.timeoutMs,
        log: this.opts.log,
      });
      this.functions.set(name, fn);
    }
    return fn;
  }

  /** A function defined before, by name. */
  get(name: string): LocalFunction | undefined {
    return this.functions.get(name);
  }
}
