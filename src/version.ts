import { readFileSync } from 'node:fs'

/** Berth's version, from the package.json beside src/ and dist/ (both run from the project root's children). */
export const BERTH_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version
