import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Router } from 'express';
import type { ZodType } from 'zod';
import type { RouteDef } from '../http';
import type { UpdateSample } from '../metrics';

export interface ApiDeps {
  orm: MikroORM;
  client: Client;
  taskQueue: string;
  sessionHours: number;
  /** Times each Update for /metrics; createApp sets it. */
  observeUpdate?: (sample: UpdateSample) => void;
}

export interface RouteContext {
  deps: ApiDeps;
  router: Router;
  registry: OpenAPIRegistry;
  route: <B extends ZodType, Q extends ZodType, P extends ZodType>(def: RouteDef<B, Q, P>) => void;
}
