import type { ComposeBuild } from '../git-sources/compose-image.js'

// Compose interpolates `$` in every value of the file it reads; `$$` is a literal one.
const literal = (value: string) => value.split('$').join('$$')

/**
 * The compose file a Git build runs through `docker compose build`: Compose drives the engine's
 * BuildKit itself, where the `docker build` of a CLI without the buildx plugin (Debian 12's) has
 * only the legacy builder, which knows neither secrets nor `RUN --mount`. Each secret comes from a
 * file (written 0600 by the caller) and is mounted by `RUN --mount=type=secret,id=NAME`, so it never
 * becomes a build argument and never enters the image's history or config. Paths are absolute (the
 * checkout).
 */
export function buildFile(
  build: ComposeBuild,
  secretFiles: Record<string, string>,
  labels: Record<string, string>,
): string {
  const names = Object.keys(secretFiles)
  const file = {
    services: {
      [build.service]: {
        image: literal(build.image),
        build: {
          context: literal(build.context),
          dockerfile: literal(build.dockerfile),
          ...(build.target ? { target: literal(build.target) } : {}),
          args: Object.fromEntries(Object.entries(build.args).map(([k, v]) => [k, literal(v)])),
          labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, literal(v)])),
          ...(names.length > 0 ? { secrets: names } : {}),
        },
      },
    },
    ...(names.length > 0
      ? { secrets: Object.fromEntries(names.map((name) => [name, { file: literal(secretFiles[name]!) }])) }
      : {}),
  }
  // JSON is YAML, and needs no quoting rules of its own.
  return JSON.stringify(file, null, 2)
}
