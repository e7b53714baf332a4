// The syntax is defined in compose/compose.params.ts.
const LETSENCRYPT_PLACEHOLDER = '{{berth.letsencrypt_email}}'

// Where hand-written Traefik set-ups keep the Let's Encrypt address: a CLI flag or label
// (...acme.email=x), an ACME `email:` key, or an environment variable.
const PATTERNS = [
  /acme\.email[=:]\s*["']?([^\s"',]+@[^\s"',]+)/i,
  /(?:LETSENCRYPT|ACME|LE)_EMAIL\s*[=:]\s*["']?([^\s"',]+@[^\s"',]+)/,
]

/**
 * Finds an ACME e-mail in a compose file and replaces every occurrence with the
 * letsencrypt_email placeholder, so the address becomes a parameter and the rendered file is unchanged.
 */
export function extractAcmeEmail(yaml: string): { email: string; template: string } | undefined {
  for (const pattern of PATTERNS) {
    const email = pattern.exec(yaml)?.[1]
    if (email) return { email, template: yaml.split(email).join(LETSENCRYPT_PLACEHOLDER) }
  }
  return undefined
}
