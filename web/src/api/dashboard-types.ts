// Response shapes of the dashboard (from the server's OpenAPI document, openapi.gen.ts).
import type { components } from './openapi.gen'

type Schemas = components['schemas']

export type Dashboard = Schemas['Dashboard']
export type ResourceHealth = Schemas['ResourceHealth']
export type Health = ResourceHealth['health']
export type Attention = Schemas['Attention']

/** Under "deployments" so every deployment event refreshes it (see useDeploymentEvents). */
export const DASHBOARD_KEY = ['deployments', 'dashboard'] as const
