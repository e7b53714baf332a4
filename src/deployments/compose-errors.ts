/**
 * Causes the engine states in `docker compose` output, turned into the sentence a deployment's
 * message gives instead of a bare exit code. Checked in order: the first that matches any of the
 * step's error lines wins. The patterns follow the engine's and the registry client's wording.
 */
const CAUSES: { pattern: RegExp; cause: (m: RegExpMatchArray) => string }[] = [
  {
    pattern: /Cannot connect to the Docker daemon|error during connect/i,
    cause: () => 'the Docker engine could not be reached',
  },
  {
    pattern: /dial tcp: lookup ([^\s:]+)[^\n]*no such host/i,
    cause: (m) => `the image registry could not be reached (${m[1]}: no such host)`,
  },
  {
    pattern: /dial tcp [^\s]+: (?:i\/o timeout|connect: connection refused|connect: network is unreachable)/i,
    cause: () => 'the image registry could not be reached',
  },
  {
    // A private registry asked for a login the CLI does not have.
    pattern: /"https?:\/\/([^/"]+)\/v2\/[^"]*": no basic auth credentials/i,
    cause: (m) =>
      `the image registry ${m[1]} needs a login and the team has none for it (add one under Team settings, Registries)`,
  },
  {
    pattern:
      /(?:pull access denied for ([^\s,]+)|manifest for ([^\s]+) not found|manifest unknown|repository does not exist)/i,
    cause: (m) => {
      const image = m[1] ?? m[2]
      return `the image ${image ? `${image} ` : ''}was not found or needs a registry login`
    },
  },
  {
    pattern: /No such image: ([^\s]+)/i,
    cause: (m) => `the image ${(m[1] ?? '').replace(/:$/, '')} is not on the server`,
  },
  {
    pattern: /Bind for ([^\s]+) failed: port is already allocated/i,
    cause: (m) => `port ${m[1]} is already allocated on the server`,
  },
  {
    pattern: /listen tcp[^\s]* ([^\s]+): bind: address already in use/i,
    cause: (m) => `port ${m[1]} is already in use on the server`,
  },
  { pattern: /no space left on device/i, cause: () => 'the server has no space left on its disk' },
  {
    pattern: /Conflict\. The container name "([^"]+)" is already in use/i,
    cause: (m) => `a container named ${(m[1] ?? '').replace(/^\//, '')} already exists outside this deployment`,
  },
  {
    pattern: /unauthorized: |authentication required/i,
    cause: () => 'the image registry refused the credentials',
  },
]

/** The cause the engine gave for a failed compose step, if its output names one Berth knows. */
export function causeOf(errorLines: readonly string[]): string | undefined {
  for (const { pattern, cause } of CAUSES) {
    for (const line of errorLines) {
      const m = line.match(pattern)
      if (m) return cause(m)
    }
  }
  return undefined
}

/** Keeps the last lines of a step's error output, enough to find its cause. */
export function createTail(max = 40) {
  const lines: string[] = []
  return {
    push(line: string) {
      lines.push(line)
      if (lines.length > max) lines.shift()
    },
    lines: lines as readonly string[],
  }
}
